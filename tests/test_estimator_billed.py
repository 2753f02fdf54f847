"""Prices as billed in the estimator (issue 16): rule 1's reply-length bands, rule 6's `mode` and
rule 8's `recommended`, over a small catalog made with factories. Every expected value is worked
out by hand in the comment beside it (USD per 1M tokens, 12 months, as of 2024-07-10)."""

from decimal import Decimal

import pytest

from offers.estimator import EstimateError, parse_request, run
from offers.models import Price
from tests.factories import ASSUMED, ModelFactory, PriceFactory, ProviderFactory, map_model, priced_model

pytestmark = pytest.mark.django_db

AS_OF = "2024-07-10"


@pytest.fixture
def openai():
    """gpt-4o 5 / 15 and o4-mini (a reasoning model) 1 / 4."""
    provider = ProviderFactory(slug="openai", name="OpenAI")
    o4 = priced_model(provider, "o4-mini", input=1, output=4)
    o4.capabilities = ["reasoning"]
    o4.save()
    return {"gpt-4o": priced_model(provider, "gpt-4o", input=5, output=15), "o4-mini": o4}


def price(model, kind, amount, **fields):
    return PriceFactory(model=model, kind=kind, amount=Decimal(amount), **fields)


@pytest.fixture
def banded(openai):
    """A vendor pricing replies under 200 tokens lower, as GLM-4.7 does: input 2 / output 8 for
    replies of 0..199 tokens, input 3 / output 14 for 200 and more; mapped for gpt-4o."""
    model = ModelFactory(provider=ProviderFactory(slug="zhipu"), slug="glm-4.7")
    price(model, Price.Kind.INPUT, "2", tier_max_output_tokens=199)
    price(model, Price.Kind.OUTPUT, "8", tier_max_output_tokens=199)
    price(model, Price.Kind.INPUT, "3", tier_min_output_tokens=200)
    price(model, Price.Kind.OUTPUT, "14", tier_min_output_tokens=200)
    map_model(openai["gpt-4o"], model)
    return model


@pytest.fixture
def moded(openai):
    """A vendor pricing thinking replies apart, as qwen-plus does: input 0.8 in any mode, output 2
    non-thinking and 8 thinking; mapped for gpt-4o and o4-mini."""
    model = ModelFactory(provider=ProviderFactory(slug="alibaba"), slug="qwen-plus")
    price(model, Price.Kind.INPUT, "0.8")
    price(model, Price.Kind.OUTPUT, "2", mode="non_thinking")
    price(model, Price.Kind.OUTPUT, "8", mode="thinking")
    map_model(openai["gpt-4o"], model)
    map_model(openai["o4-mini"], model)
    return model


def body(*lines, **options):
    return {"usage": list(lines), "months": 12, "currency": "USD", "as_of": AS_OF, **options}


def line(model="gpt-4o", input_tokens=10_000_000, output_tokens=1_000_000, **extra):
    return {"model": model, "input_tokens": input_tokens, "cached_input_tokens": 0, "output_tokens": output_tokens,
            **extra}  # fmt: skip


def alt(result, slug):
    return next(a for a in result["alternatives"] if a["provider"] == slug)


# --- rule 1: reply-length bands ---------------------------------------------------------------------


def test_short_replies_use_the_short_band(banded):
    # 1M output / 10,000 requests = 100 tokens a reply: the 0..199 band.
    # 10M x 2 + 1M x 8 = 20 + 8 = 28.00 a month
    result = run(body(line(requests=10_000)))
    assert alt(result, "zhipu")["lines"] == [
        {
            "openai_model": "gpt-4o",
            "baseline_model": "gpt-4o",
            "model": "glm-4.7",
            "monthly_cost": "28.00",
            "tokens": ASSUMED,
        }
    ]
    assert result["warnings"] == []


def test_longer_replies_use_the_open_band(banded):
    # 1M output / 1,000 requests = 1,000 tokens a reply: the 200+ band. 10M x 3 + 1M x 14 = 44.00
    result = run(body(line(requests=1_000)))
    assert alt(result, "zhipu")["lines"][0]["monthly_cost"] == "44.00"


def test_a_reply_length_is_rounded_up_into_its_band(banded):
    # 1,995,000 output / 10,000 requests = 199.5 tokens, rounded up to 200: the 200+ band.
    # 10M x 3 + 1.995M x 14 = 30 + 27.93 = 57.93
    result = run(body(line(output_tokens=1_995_000, requests=10_000)))
    assert alt(result, "zhipu")["lines"][0]["monthly_cost"] == "57.93"


def test_without_requests_the_open_band_is_assumed_and_said(banded):
    # No requests: the band with no upper bound, 10M x 3 + 1M x 14 = 44.00, and a warning.
    result = run(body(line()))
    zhipu = alt(result, "zhipu")
    assert zhipu["lines"] == [{"openai_model": "gpt-4o", "baseline_model": "gpt-4o", "model": "glm-4.7", "monthly_cost": "44.00", "tokens": ASSUMED,
                               "warnings": ["output_band_assumed"]}]  # fmt: skip
    [warning] = result["warnings"]
    assert (warning["code"], warning["provider"], warning["model"]) == (
        "output_band_assumed",
        "zhipu",
        "glm-4.7",
    )
    # the baseline has no bands: 10M x 5 + 1M x 15 = 65.00, no warning on its line
    assert result["baseline"]["lines"] == [{"model": "gpt-4o", "monthly_cost": "65.00"}]


# --- rule 6: mode ------------------------------------------------------------------------------------


def test_an_ordinary_baseline_uses_non_thinking_rows(moded):
    # gpt-4o is no reasoning model: 10M x 0.8 + 1M x 2 = 8 + 2 = 10.00
    result = run(body(line()))
    assert alt(result, "alibaba")["lines"] == [
        {
            "openai_model": "gpt-4o",
            "baseline_model": "gpt-4o",
            "model": "qwen-plus",
            "monthly_cost": "10.00",
            "tokens": ASSUMED,
        }
    ]


def test_a_reasoning_baseline_uses_thinking_rows(moded):
    # o4-mini has the capability "reasoning": 10M x 0.8 + 1M x 8 = 8 + 8 = 16.00
    result = run(body(line("o4-mini")))
    assert alt(result, "alibaba")["lines"][0]["monthly_cost"] == "16.00"
    # its own baseline: 10M x 1 + 1M x 4 = 14.00
    assert result["baseline"]["monthly_cost"] == "14.00"


def test_a_line_may_ask_for_its_mode(moded):
    # gpt-4o asking for thinking: 8 + 1M x 8 = 16.00; o4-mini asking for non-thinking: 8 + 2 = 10.00
    result = run(body(line(mode="thinking"), line("o4-mini", mode="non_thinking")))
    assert [x["monthly_cost"] for x in alt(result, "alibaba")["lines"]] == ["16.00", "10.00"]


def test_a_model_without_rows_of_the_mode_falls_back_and_says_so(openai):
    # Only a thinking output row (qwen3-next-80b-a3b-thinking's shape: "仅思考模式", output 10):
    # a gpt-4o line wants non-thinking, finds no such row and no row of any mode, so uses the
    # thinking row. 10M x 1 + 1M x 10 = 20.00
    model = ModelFactory(provider=ProviderFactory(slug="alibaba"), slug="qwen3-next-80b-a3b-thinking")
    price(model, Price.Kind.INPUT, "1")
    price(model, Price.Kind.OUTPUT, "10", mode="thinking")
    map_model(openai["gpt-4o"], model)
    result = run(body(line()))
    assert alt(result, "alibaba")["lines"] == [
        {"openai_model": "gpt-4o", "baseline_model": "gpt-4o", "model": "qwen3-next-80b-a3b-thinking", "monthly_cost": "20.00", "tokens": ASSUMED,
         "mode_used": "thinking"}
    ]  # fmt: skip


def test_a_mode_that_is_no_mode_is_refused():
    with pytest.raises(EstimateError) as exc:
        parse_request(body(line(mode="deep")))
    assert list(exc.value.errors) == ["usage[0].mode"]


# --- rule 8: recommended -----------------------------------------------------------------------------


@pytest.fixture
def three(openai):
    """Three vendors for gpt-4o, cheapest first:
    - derivedco: input 1 official, output 2 derived (worked out by a rule): 10 x 1 + 1 x 2 = 12.00
    - bigco: input 1.5 / output 3, official, but mapped as a larger model: 15 + 3 = 18.00
    - goodco: input 2 / output 4, official, like for like: 20 + 4 = 24.00"""
    derived = ModelFactory(provider=ProviderFactory(slug="derivedco"), slug="d-1")
    price(derived, Price.Kind.INPUT, "1")
    price(derived, Price.Kind.OUTPUT, "2", confidence="derived", note="derived: 50% of the real-time price")
    map_model(openai["gpt-4o"], derived)
    big = priced_model("bigco", "b-1", input="1.5", output=3)
    mapping = map_model(openai["gpt-4o"], big)
    mapping.fit = "larger"
    mapping.save()
    map_model(openai["gpt-4o"], priced_model("goodco", "g-1", input=2, output=4))


def test_recommended_skips_derived_prices_and_unlike_models(three):
    result = run(body(line()))
    ranking = [(a["provider"], a["total_cost"], a.get("caveats")) for a in result["alternatives"]]
    # 12 months: 12 x 12 = 144, 18 x 12 = 216, 24 x 12 = 288
    assert ranking == [
        ("derivedco", "144.00", ["derived_price"]),
        ("bigco", "216.00", ["unlike_model"]),
        ("goodco", "288.00", None),
    ]
    assert result["recommended"] == "goodco"
    assert alt(result, "bigco")["lines"][0]["fit"] == "larger"


def test_an_override_is_like_for_like_by_the_users_choice(three):
    # The user picks bigco's b-1 for gpt-4o: bigco (216.00) is now the first checked alternative.
    result = run(body(line(overrides={"bigco": "b-1"})))
    assert result["recommended"] == "bigco"
    assert "caveats" not in alt(result, "bigco")


def test_no_recommendation_when_every_alternative_rests_on_a_guess(openai):
    model = ModelFactory(provider=ProviderFactory(slug="derivedco"), slug="d-1")
    price(model, Price.Kind.INPUT, "1", confidence="derived")
    price(model, Price.Kind.OUTPUT, "2")
    map_model(openai["gpt-4o"], model)
    result = run(body(line()))
    assert [a["provider"] for a in result["alternatives"]] == ["derivedco"]
    assert result["recommended"] is None
