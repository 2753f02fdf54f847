"""What a source yields and how it fails: observations, rates and the error kinds of a run."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

KINDS = ("input", "cached_input", "output")


class ScrapeError(Exception):
    """Base of every error a run records; `status` is what the run row shows."""

    status = "failed"


class ParseError(ScrapeError):
    """The page is not laid out as the parser knows: never retried, never guessed around."""

    status = "parse_error"


class NeedsJavaScript(ParseError):
    """The server sent an application shell; the prices only appear after scripts run."""

    status = "needs_javascript"


class FetchError(ScrapeError):
    """The page could not be fetched. `transient` errors (timeouts, 429, 5xx) are retried."""

    status = "fetch_error"

    def __init__(self, message, *, transient=False, url=""):
        super().__init__(message)
        self.transient = transient
        self.url = url


class ForbiddenHost(FetchError):
    """A URL outside the allowlist of configured source hosts, or disallowed by robots.txt."""

    def __init__(self, message, *, url=""):
        super().__init__(message, transient=False, url=url)


@dataclass(frozen=True)
class Observation:
    """One token price read off a page: `amount` per 1M tokens in `currency`, for one prompt tier."""

    source: str
    vendor: str
    provider: str | None
    model: str
    kind: str
    amount: Decimal
    currency: str
    tier_min_input_tokens: int | None = None
    tier_max_input_tokens: int | None = None
    model_kind: str = field(default="chat", compare=False)

    @property
    def slot(self):
        return (self.provider, self.model, self.kind, self.tier_min_input_tokens,
                self.tier_max_input_tokens, self.currency)  # fmt: skip

    def sort_key(self):
        return (
            self.source,
            self.vendor,
            self.provider or "",
            self.model,
            KINDS.index(self.kind),
            self.tier_min_input_tokens or 0,
            -1 if self.tier_max_input_tokens is None else 0,
            self.tier_max_input_tokens or 0,
            self.currency,
        )


def first_per_slot(observations, key=lambda o: o.slot):
    """First observation per `key` wins, in the contract's sorted order. Pages list a model once
    per region or mode (the first is the default); feeds list aliases, keyed by their own vendor."""
    seen, result = set(), []
    for o in observations:
        k = key(o)
        if k not in seen:
            seen.add(k)
            result.append(o)
    return sorted(result, key=Observation.sort_key)


def feed_key(o):
    """Feeds keep one price per feed vendor (e.g. models.dev "alibaba" and "alibaba-cn" both)."""
    return (o.vendor, o.model, o.kind, o.tier_min_input_tokens, o.tier_max_input_tokens)


@dataclass(frozen=True)
class Rate:
    """1 `base` = `rate` `quote` on `date` (ECB reference rate, or derived through EUR; or a monthly
    average dated the first of its month, which `note` says)."""

    source: str
    base: str
    quote: str
    rate: Decimal
    date: date
    note: str = field(default="", compare=False)  # e.g. "monthly average": what kind of rate it is

    def sort_key(self):
        return (self.base, self.quote, self.date)
