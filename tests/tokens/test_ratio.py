"""Rule 9's ratio and scaling, worked by hand."""

from fractions import Fraction

from offers.tokens.ratio import ONE, Sample, TokenRatio, ratio_text, scale, token_ratio


def test_scale_rounds_half_up():
    # 1,000,000 x 43/50 = 860,000 exactly
    assert scale(1_000_000, Fraction(43, 50)) == 860_000
    # 3 x 1/2 = 1.5 -> 2 (half up); 5 x 1/2 = 2.5 -> 3; 7 x 1/3 = 2.333 -> 2; 5 x 1/3 = 1.667 -> 2
    assert scale(3, Fraction(1, 2)) == 2
    assert scale(5, Fraction(1, 2)) == 3
    assert scale(7, Fraction(1, 3)) == 2
    assert scale(5, Fraction(1, 3)) == 2
    assert scale(0, Fraction(7, 3)) == 0
    assert scale(123, ONE) == 123


def test_ratio_text_has_six_places_half_up():
    assert ratio_text(ONE) == "1.000000"
    assert ratio_text(Fraction(2, 3)) == "0.666667"  # 0.6666666...
    assert ratio_text(Fraction(1, 8)) == "0.125000"
    assert ratio_text(Fraction(1, 2_000_000)) == "0.000001"  # 0.0000005 -> half up
    assert ratio_text(Fraction(4450, 2851)) == "1.560856"  # 1.5608558...


def test_token_ratio_from_a_sample():
    """ "hello world" is 2 tokens under every registry vocabulary (tests/tokens/test_counting)."""
    sample = Sample.of(["hello world"])
    assert sample.size == 11
    r = token_ratio(sample, "glm-4", "o200k_base")
    assert r == TokenRatio("glm-4", "o200k_base", 2, 2, ONE)
    assert r.as_dict()["ratio"] == "1.000000"
    assert not r.assumed_equal


def test_no_sample_or_null_tokenizer_is_ratio_one_with_null_counts():
    sample = Sample.of(["hello world"])
    for r in (
        token_ratio(None, "glm-4", "o200k_base"),
        token_ratio(sample, None, "o200k_base"),
        token_ratio(sample, "glm-4", None),
        token_ratio(Sample.of([""]), "glm-4", "o200k_base"),
    ):
        assert r.ratio == ONE
        assert r.sample_tokens is None
        assert r.baseline_sample_tokens is None
        assert r.assumed_equal
    assert token_ratio(None, None, "o200k_base").as_dict() == {
        "tokenizer": None,
        "baseline_tokenizer": "o200k_base",
        "sample_tokens": None,
        "baseline_sample_tokens": None,
        "ratio": "1.000000",
    }


def test_scale_line_scales_every_token_count_and_keeps_parts_within_input():
    from dataclasses import dataclass

    from offers.tokens.ratio import scale_line

    @dataclass
    class Line:
        model: str
        input_tokens: int
        cached_input_tokens: int
        output_tokens: int
        requests: int | None = None

    line = Line("gpt-4o", 30_000_000, 10_000_000, 10_000_000, requests=1000)
    # ratio 2450/2851 (the Chinese ticket: DeepSeek vs o200k_base):
    # 30,000,000 x 2450 / 2851 = 25,780,427.9 -> 25,780,428
    # 10,000,000 x 2450 / 2851 =  8,593,476.0 (8,593,475.97...) -> 8,593,476
    scaled = scale_line(line, Fraction(2450, 2851))
    assert scaled == Line("gpt-4o", 25_780_428, 8_593_476, 8_593_476, requests=1000)
    assert scale_line(line, ONE) is line
    # input 1 x 1/2 = 0.5 -> 1 and cached 1 x 1/2 -> 1: within input; input 3, cached 1 -> 2 and 1
    assert scale_line(Line("m", 1, 1, 0), Fraction(1, 2)) == Line("m", 1, 1, 0)
    assert scale_line(Line("m", 3, 1, 5), Fraction(1, 2)) == Line("m", 2, 1, 3)


def test_scale_line_cuts_input_parts_that_round_past_the_input():
    from dataclasses import dataclass

    from offers.tokens.ratio import scale_line

    @dataclass
    class Line:
        input_tokens: int
        cached_input_tokens: int
        cache_write_5m_tokens: int
        output_tokens: int

    # x 1/2: input 2 -> 1; cached 1 -> 0.5 -> 1; cache write 1 -> 1, but only 1 - 1 = 0 is left
    assert scale_line(Line(2, 1, 1, 4), Fraction(1, 2)) == Line(1, 1, 0, 2)
