"""Rule 9's token ratio: how many tokens the user's text is at an alternative, per baseline token.

ratio = tokens of the sample under the alternative model's tokenizer / under the baseline model's,
an exact Fraction; a line's token counts at the alternative are the baseline's x ratio, each
rounded half up to a whole token. Without a sample (or an empty one), or with a null tokenizer on
either side, the ratio is 1 and the counts are None ("assumed equal").
"""

from dataclasses import dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .counting import count_sample, sample_hash

ONE = Fraction(1)


class Sample:
    """A validated sample with its hash and size, counted lazily per tokenizer (cached).

    Not a dataclass on purpose: an estimate request holding one is keyed (page_cache) by its
    canonical JSON, where a sample stands as its hash (`str()`), never its megabyte of text."""

    __slots__ = ("texts", "digest", "size", "_counts")

    def __init__(self, texts, digest, size):
        self.texts, self.digest, self.size = tuple(texts), digest, size
        self._counts = {}

    @classmethod
    def of(cls, texts):
        texts = tuple(texts)
        return cls(texts, sample_hash(texts), sum(len(t.encode("utf-8")) for t in texts))

    def tokens(self, name):
        found = self._counts.get(name)
        if found is None:
            found = self._counts[name] = count_sample(self.texts, name, digest=self.digest)
        return found

    def __eq__(self, other):
        return isinstance(other, Sample) and other.digest == self.digest

    def __hash__(self):
        return hash(self.digest)

    def __str__(self):
        return f"sample:{self.digest}"

    __repr__ = __str__

    def summary(self):
        """What a response says about the sample: never its text."""
        return {"hash": self.digest, "bytes": self.size, "strings": len(self.texts)}


@dataclass(frozen=True)
class TokenRatio:
    tokenizer: str | None
    baseline_tokenizer: str | None
    sample_tokens: int | None
    baseline_sample_tokens: int | None
    ratio: Fraction = ONE

    @property
    def assumed_equal(self):
        return self.sample_tokens is None or self.baseline_sample_tokens is None

    def as_dict(self):
        return {
            "tokenizer": self.tokenizer,
            "baseline_tokenizer": self.baseline_tokenizer,
            "sample_tokens": self.sample_tokens,
            "baseline_sample_tokens": self.baseline_sample_tokens,
            "ratio": ratio_text(self.ratio),
        }


def ratio_text(ratio):
    """The ratio as a decimal string with 6 places, rounded half up (display only)."""
    value = Decimal(ratio.numerator) / Decimal(ratio.denominator)
    return str(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


def token_ratio(sample, tokenizer, baseline_tokenizer):
    """The TokenRatio of an alternative model's tokenizer against the baseline model's ("" or None:
    none published)."""
    tokenizer, baseline_tokenizer = tokenizer or None, baseline_tokenizer or None
    if sample is None or not tokenizer or not baseline_tokenizer:
        return TokenRatio(tokenizer, baseline_tokenizer, None, None)
    base = sample.tokens(baseline_tokenizer)
    if base == 0:  # a sample of empty strings says nothing about either vocabulary
        return TokenRatio(tokenizer, baseline_tokenizer, None, None)
    alt = base if tokenizer == baseline_tokenizer else sample.tokens(tokenizer)
    return TokenRatio(tokenizer, baseline_tokenizer, alt, base, Fraction(alt, base))


def scale(tokens, ratio):
    """tokens x ratio rounded half up to a whole token (tokens >= 0)."""
    if ratio == ONE or not tokens:
        return tokens
    num, den = tokens * ratio.numerator, ratio.denominator
    return (2 * num + den) // (2 * den)


TOKEN_FIELDS = (
    "input_tokens",
    "cached_input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
)
INPUT_PARTS = ("cached_input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens")


def scale_line(line, ratio):
    """A copy of usage line `line` (a dataclass) with each token count it has x ratio, rounded
    half up; `requests` and everything else unchanged. The parts of input (cached, cache writes)
    are rounded on their own, so their sum can pass the rounded input by a token or two; they are
    then cut, last part first, so that they never do (a line never has more cached than input)."""
    if ratio == ONE:
        return line
    names = {f.name for f in fields(line)}
    changes = {name: scale(getattr(line, name), ratio) for name in TOKEN_FIELDS if name in names}
    room = changes.get("input_tokens", 0)
    for name in INPUT_PARTS:
        if name in changes:
            changes[name] = min(changes[name], room)
            room -= changes[name]
    return replace(line, **changes)
