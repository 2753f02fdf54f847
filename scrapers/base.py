"""What a source yields and how it fails: observations, rates and the error kinds of a run."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

KINDS = ("input", "cached_input", "output", "cache_write_5m", "cache_write_1h")
SERVICE_TIERS = ("standard", "batch", "flex", "priority")
REGIONS = (None, "cn", "intl")
MODES = (None, "thinking", "non_thinking")
CONFIDENCES = ("official", "derived")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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
class TimeWindow:
    """Requests sent in [start, end) local time in `tz` (wrapping past midnight when end <= start),
    on `days` (a tuple of "mon".."sun") or every day (None). Hashable, so it can sit in a slot."""

    start: str
    end: str
    tz: str
    days: tuple | None = None

    def __post_init__(self):
        for value in (self.start, self.end):
            if not re.fullmatch(r"(?:[01]\d|2[0-3]):[0-5]\d", value or ""):
                raise ValueError(f"time window bound {value!r} is not HH:MM")
        if self.start == self.end:
            raise ValueError("a time window's start and end must differ")
        if not re.fullmatch(r"[A-Za-z_]+(?:/[A-Za-z_+\-0-9]+)*", self.tz or ""):
            raise ValueError(f"time zone {self.tz!r} is not an IANA zone name (Area/City or UTC)")
        if self.days is not None:
            days = tuple(self.days)
            if not days or any(d not in DAYS for d in days):
                raise ValueError(f"days {self.days!r} are not among {DAYS}")
            object.__setattr__(self, "days", tuple(sorted(set(days), key=DAYS.index)))

    def to_json(self):
        """The catalog format's dict: {"start", "end", "tz", "days"}."""
        return {"start": self.start, "end": self.end, "tz": self.tz,
                "days": None if self.days is None else list(self.days)}  # fmt: skip

    def sort_key(self):
        return (self.start, self.end, self.tz, self.days or ())


def _window_key(window):
    return (0,) if window is None else (1, *window.sort_key())


@dataclass(frozen=True)
class Observation:
    """One token price read off a page: `amount` per 1M tokens in `currency`, for one prompt tier
    (and, where the page prices them apart, one reply-length band and one thinking mode).

    `confidence` is "official" for a number the page states and "derived" for one worked out by a
    rule the page states (Alibaba's "Batch调用 半价"); `note` then says the rule, or for a permanent
    discount the list price it replaced."""

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
    # Pricing dimensions (catalog format): the service tier, the region (None = the provider's home
    # prices, "cn", "intl") and the time-of-day window (None = all day).
    service_tier: str = "standard"
    region: str | None = None
    time_window: TimeWindow | None = None
    # Reply-length band of one request, inclusive (GLM-4.7 "输出长度 [0, 0.2)" is 0..199 tokens).
    tier_min_output_tokens: int | None = None
    tier_max_output_tokens: int | None = None
    mode: str | None = None  # None = any, "thinking", "non_thinking"
    note: str | None = field(default=None, compare=False)
    confidence: str = field(default="official", compare=False)

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode {self.mode!r} is not one of {MODES}")
        if self.confidence not in CONFIDENCES:
            raise ValueError(f"confidence {self.confidence!r} is not one of {CONFIDENCES}")
        if self.service_tier not in SERVICE_TIERS:
            raise ValueError(f"service tier {self.service_tier!r} is not one of {SERVICE_TIERS}")
        if self.region not in REGIONS:
            raise ValueError(f"region {self.region!r} is not one of {REGIONS}")

    @property
    def slot(self):
        return (self.provider, self.model, self.kind, self.tier_min_input_tokens,
                self.tier_max_input_tokens, self.currency, self.service_tier, self.region,
                self.time_window, self.tier_min_output_tokens, self.tier_max_output_tokens,
                self.mode)  # fmt: skip

    def sort_key(self):
        return (
            self.source,
            self.vendor,
            self.provider or "",
            self.model,
            KINDS.index(self.kind),
            SERVICE_TIERS.index(self.service_tier),
            self.region or "",
            _window_key(self.time_window),
            self.tier_min_input_tokens or 0,
            -1 if self.tier_max_input_tokens is None else 0,
            self.tier_max_input_tokens or 0,
            self.tier_min_output_tokens or 0,
            -1 if self.tier_max_output_tokens is None else 0,
            self.tier_max_output_tokens or 0,
            MODES.index(self.mode),
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
    return (o.vendor, o.model, o.kind, o.tier_min_input_tokens, o.tier_max_input_tokens, o.service_tier,
            o.region, o.time_window, o.tier_min_output_tokens, o.tier_max_output_tokens,
            o.mode)  # fmt: skip


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
