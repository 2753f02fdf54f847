"""Which price rows price a line (rules 1 and 6): region, service tier, window, then the tier
holding the prompt length in the model's home currency."""

import math
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.utils.translation import gettext as _

from offers.estimator.request import (
    NON_THINKING,
    STANDARD,
)
from offers.models import Model, Price, window_key

# Input kinds a model may lack: their tokens are then priced at the input row (rules 1 and 10).
OPTIONAL_INPUT_KINDS = (Price.Kind.CACHED_INPUT, Price.Kind.CACHE_WRITE_5M, Price.Kind.CACHE_WRITE_1H)


class Unpriced(Exception):
    """A line cannot be priced; `fx` tells a missing rate from a missing price."""

    def __init__(self, reason, *, fx=False):
        self.reason = reason
        self.fx = fx
        super().__init__(reason)


class PricedLine:
    """One usage line priced at one model: its monthly cost, and the rest read from the plan
    that priced it (offers.estimator.plans), shared by every line of the same shape."""

    __slots__ = ("line", "model", "cost_num", "cost_den", "plan", "token_counts", "windows")

    def __init__(self, line, model, cost_num, cost_den, plan, token_counts, windows):
        self.line = line  # UsageLine
        self.model = model  # ModelRef
        # The monthly cost in the output currency, cost_num / cost_den (not reduced: the hot path
        # reads the two integers; `monthly_cost` is the Fraction)
        self.cost_num, self.cost_den = cost_num, cost_den
        self.plan = plan
        self.token_counts = token_counts  # per slot: uncached, cached, 5m write, 1h write, output
        self.windows = windows  # rule 6: [{"window", "share", "saved"}]

    @property
    def monthly_cost(self):
        """The monthly cost in the output currency, an exact Fraction."""
        return Fraction(self.cost_num, self.cost_den)

    @property
    def rates(self):
        """ExchangeRate rows used."""
        return self.plan.rates

    @property
    def tier_used(self):
        """Rule 6: the service tier whose rows priced the line."""
        return self.plan.tier_used

    @property
    def mode_used(self):
        """Rule 6: the mode of the rows that priced the output (None: any)."""
        return self.plan.mode_used

    @property
    def moded(self):
        """The model prices this line's rows per mode."""
        return self.plan.moded

    @property
    def band_assumed(self):
        """Rule 1: reply-length bands, no `requests`: the open band was used."""
        return self.plan.band_assumed

    @property
    def derived(self):
        """A price used was worked out by a rule (confidence "derived"): never recommended (rule 8)."""
        return self.plan.derived

    @property
    def oldest_checked_on(self):
        """The earliest checked_on of the prices used (stale-price warnings)."""
        return self.plan.oldest_checked_on

    @property
    def parts(self):
        """(kind used for, tokens, price row, rate into the output currency) per part: worked out
        when read (the detail reads it; the ranking needs only the cost)."""
        tokens = self.token_counts
        return [
            (kind, tokens[slot] if share == 1 else tokens[slot] * share, price, rate)
            for kind, slot, share, price, rate in self.plan.parts
        ]


def _tier_min(price):
    return price.tier_min_input_tokens or 0


def _tier_max(price):
    return math.inf if price.tier_max_input_tokens is None else price.tier_max_input_tokens


def pick_tier(rows, length):
    if length is None:
        return min(rows, key=lambda p: (_tier_min(p), _tier_max(p), p.id))
    holding = [p for p in rows if _tier_min(p) <= length <= _tier_max(p)]
    if not holding:
        return None
    # Overlapping tiers: the narrowest one that holds the prompt length.
    return min(holding, key=lambda p: (-_tier_min(p), _tier_max(p), p.id))


def home_currency(rows):
    counts = {}
    for p in rows:
        counts[p.currency] = counts.get(p.currency, 0) + 1
    return min(counts, key=lambda c: (-counts[c], c))


def in_band(rows, reply_length):
    """Rule 1's reply-length bands: (the rows whose band holds `reply_length`, assumed). Without
    `requests` (reply_length None) the band with no upper bound (an ordinary reply is longer than
    any short-reply band), and `assumed` is True when the rows had bands to choose from. Rows
    without a band hold for any reply."""
    if not any(p.tier_min_output_tokens is not None or p.tier_max_output_tokens is not None for p in rows):
        return rows, False
    if reply_length is None:
        return [p for p in rows if p.tier_max_output_tokens is None], True
    return [
        p
        for p in rows
        if (p.tier_min_output_tokens or 0) <= reply_length
        and (p.tier_max_output_tokens is None or reply_length <= p.tier_max_output_tokens)
    ], False


def select_mode(rows, wanted):
    """Rule 6's mode: per kind, the rows of the `wanted` mode, else those of any mode (null), else
    the other mode's. Returns (rows, mode used for the output (else the input), moded), `moded`
    False when no row has a mode (then nothing was chosen)."""
    if not any(p.mode for p in rows):
        return rows, None, False
    wanted = wanted or NON_THINKING
    kinds = (Price.Kind.INPUT, Price.Kind.CACHED_INPUT, Price.Kind.OUTPUT)
    out, used = [], {}
    for kind in kinds:
        kind_rows = [p for p in rows if p.kind == kind]
        pick = (
            [p for p in kind_rows if p.mode == wanted]
            or [p for p in kind_rows if p.mode is None]
            or [p for p in kind_rows if p.mode]
        )
        out += pick
        if pick:
            used[kind] = pick[0].mode
    rest = [p for p in rows if p.kind not in kinds]
    return out + rest, used.get(Price.Kind.OUTPUT, used.get(Price.Kind.INPUT)), True


def choose_prices(model, rows, line, on):
    """The Price rows used for input, cached_input and output of `line` at `model`."""
    by_kind = {}
    for p in rows:
        by_kind.setdefault(p.kind, []).append(p)
    # Embedding models produce no output tokens and vendors publish no output price for them.
    needed = (Price.Kind.INPUT,) if is_input_only(model, line) else (Price.Kind.INPUT, Price.Kind.OUTPUT)
    for kind in needed:
        if not by_kind.get(kind):
            raise Unpriced(
                _("%(model)s has no %(kind)s price on %(date)s")
                % {"model": model.slug, "kind": Price.Kind(kind).label.lower(), "date": on.isoformat()}
            )
    home = home_currency(by_kind[Price.Kind.INPUT])
    length = line.prompt_length
    chosen = {}
    for kind in (Price.Kind.INPUT, *OPTIONAL_INPUT_KINDS, Price.Kind.OUTPUT):
        kind_rows = by_kind.get(kind)
        if not kind_rows:
            continue
        same = [p for p in kind_rows if p.currency == home]
        if not same:
            other = home_currency(kind_rows)
            same = [p for p in kind_rows if p.currency == other]
        tier = pick_tier(same, length)
        if tier is None and kind not in OPTIONAL_INPUT_KINDS:
            raise Unpriced(
                _("%(model)s has no %(kind)s price tier for a prompt of %(n)s tokens")
                % {"model": model.slug, "kind": Price.Kind(kind).label.lower(), "n": f"{length:,}"}
            )
        if tier is not None:
            chosen[kind] = tier
    for kind in OPTIONAL_INPUT_KINDS:  # rules 1 and 10: else the input price
        chosen.setdefault(kind, chosen[Price.Kind.INPUT])
    return chosen


def is_input_only(model, line):
    return model.kind == Model.Kind.EMBEDDING and line.output_tokens == 0


@dataclass(frozen=True)
class Dimensions:
    """The request's pricing dimensions (rule 6) beside each line's service tier."""

    region: str | None = None
    hourly_usage: tuple | None = None
    as_of: date | None = None


def select_rows(rows, line, dims):
    """Rule 6: (all-day rows, {window key: window rows}, tier used, (mode used, moded)) of one
    model for `line`.

    By region (the request's region where the model has any row of it, else the home rows with
    region null), then service tier (the line's tier where the model has any row of it, else
    standard), then window (rows without a window; rows with one only with an hourly profile),
    then mode (`select_mode`)."""
    region = dims.region if dims else None
    regional = [p for p in rows if p.region == region] if region is not None else []
    rows = regional or [p for p in rows if p.region is None]
    tier_used = line.service_tier
    tiered = [p for p in rows if p.service_tier == tier_used]
    if not tiered and tier_used != STANDARD:
        tier_used = STANDARD
        tiered = [p for p in rows if p.service_tier == STANDARD]
    tiered, mode_used, moded = select_mode(tiered, line.wanted_mode)
    all_day = [p for p in tiered if p.time_window is None]
    windows = {}
    if dims is not None and dims.hourly_usage is not None:
        for p in tiered:
            if p.time_window is not None:
                windows.setdefault(window_key(p.time_window), []).append(p)
    return all_day, windows, tier_used, (mode_used, moded)


def window_prices(rows, length, home):
    """The rows of one window per kind (rule 1 within the window); cached falls back to the
    window's input row. Kinds the window does not price keep the all-day price."""
    chosen = {}
    for kind in (Price.Kind.INPUT, Price.Kind.CACHED_INPUT, Price.Kind.OUTPUT):
        kind_rows = [p for p in rows if p.kind == kind]
        if not kind_rows:
            continue
        same = [p for p in kind_rows if p.currency == home] or [
            p for p in kind_rows if p.currency == home_currency(kind_rows)
        ]
        tier = pick_tier(same, length)
        if tier is not None:
            chosen[kind] = tier
    if Price.Kind.INPUT in chosen:
        for kind in OPTIONAL_INPUT_KINDS:  # rules 1 and 10: else the input price
            chosen.setdefault(kind, chosen[Price.Kind.INPUT])
    return chosen
