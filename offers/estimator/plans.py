"""A line's price plan: how one model prices lines of one shape (rows, shares, rates), worked out
once and kept per catalog version, and the monthly cost of a line from it."""

import math
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from offers.estimator.money import MILLION, exact, scaled
from offers.estimator.prices import (
    PricedLine,
    Unpriced,
    choose_prices,
    home_currency,
    in_band,
    is_input_only,
    select_rows,
    window_prices,
)
from offers.estimator.windows import window_share
from offers.models import Price

# The token slots of a line's plan: (price kind, index into price_line's token tuple).
TOKEN_SLOTS = (
    (Price.Kind.INPUT, 0),
    (Price.Kind.CACHED_INPUT, 1),
    (Price.Kind.CACHE_WRITE_5M, 2),
    (Price.Kind.CACHE_WRITE_1H, 3),
    (Price.Kind.OUTPUT, 4),
)

# Line plans kept per catalog version (price_line); the dict is emptied when it reaches this size.
MAX_PLANS = 20_000


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one model prices lines of one shape (service tier, prompt length, input only) under
    one request's dimensions and currency: which rows price which share of which tokens, and the
    cost of a token of each part in the output currency over a common denominator `den`.
    A plan depends on the catalog version only through its rows, so it is kept per version
    (`offers.estimator.snapshot`) and shared by requests."""

    tier_used: str
    parts: tuple  # (kind, token slot 0..4 (uncached, cached, 5m write, 1h write, output), share, price, rate)
    nums: tuple  # per part: the cost of one token over `den`
    slot_nums: tuple  # per part: (token slot, its num), what a line's cost reads
    den: int
    rates: tuple  # ExchangeRate rows used
    windows: tuple  # (window, share, ((slot, share, price row, all-day row), ...))
    mode_used: str | None = None  # rule 6 (see PricedLine)
    moded: bool = False
    band_assumed: bool = False  # rule 1 (see PricedLine)
    derived: bool = False  # a part's price has confidence "derived" (see PricedLine)
    oldest_checked_on: object = None  # the earliest checked_on of its prices (see PricedLine)


def plan_context(fx, dims):
    """The part of a plan's key that is the same for every line of one request."""
    return (
        fx.as_of,
        fx.currency,
        dims.region if dims else None,
        dims.hourly_usage if dims else None,
        get_language(),
    )


def line_shape(line, context):
    """The part of a plan's key that comes from the line and the request (`context`): the same at
    every vendor for one line, so the engine works it out once per line."""
    writes = bool(line.cache_write_5m_tokens or line.cache_write_1h_tokens)
    return (line.service_tier, line.prompt_length, line.reply_length, line.wanted_mode, writes, context)


def price_line(line, model, rows, fx, dims=None, plans=None, context=None, shape=None):
    """Monthly cost of `line` at `model` in the output currency; raises Unpriced.

    `plans` is a dict to keep plans in (the compiled catalog's, per version): the choice of rows
    and rates is then made once per model and line shape, and a line costs a few integer
    products and one Fraction. `context` is `plan_context(fx, dims)` and `shape` is
    `line_shape(line, context)`, worked out once per request and line by the caller (or here)."""
    input_only = is_input_only(model, line)
    plan = None
    if plans is not None:
        if shape is None:
            shape = line_shape(line, context or plan_context(fx, dims))
        key = (model.pk, input_only, shape)
        plan = plans.get(key)
    if plan is None:
        try:
            plan = _plan(line, model, rows, fx, dims)
        except Unpriced as exc:
            plan = exc
        if plans is not None:
            if len(plans) >= MAX_PLANS:
                plans.clear()
            plans[key] = plan
    if type(plan) is Unpriced:
        raise Unpriced(plan.reason, fx=plan.fx)
    cached, write_5m, write_1h = (
        line.cached_input_tokens,
        line.cache_write_5m_tokens,
        line.cache_write_1h_tokens,
    )
    tokens = (
        line.input_tokens - cached - write_5m - write_1h,
        cached,
        write_5m,
        write_1h,
        line.output_tokens,
    )
    total = 0
    for slot, num in plan.slot_nums:
        total += tokens[slot] * num
    offpeak = []
    for window, share, kinds in plan.windows:
        saved = (
            sum(
                (
                    tokens[slot]
                    * part
                    * (
                        exact(base.amount) * fx.factor(base.currency)[0]
                        - exact(price.amount) * fx.factor(price.currency)[0]
                    )
                    for slot, part, price, base in kinds
                ),
                Fraction(0),
            )
            / MILLION
        )
        offpeak.append({"window": window, "share": share, "saved": saved})
    return PricedLine(line, model, total, plan.den, plan, tokens, offpeak)


def _plan(line, model, rows, fx, dims):
    """The `_Plan` of `line`'s shape at `model`; raises Unpriced."""
    all_day, windows, tier_used, (mode_used, moded) = select_rows(rows, line, dims)
    all_day, band_assumed = in_band(all_day, line.reply_length)
    windows = {key: in_band(window_rows, line.reply_length)[0] for key, window_rows in windows.items()}
    windows = {key: window_rows for key, window_rows in windows.items() if window_rows}
    chosen = choose_prices(model, all_day, line, fx.as_of)
    # Lines without cache writes (every OpenAI line) have no cache-write parts: their detail is as before.
    writes = line.cache_write_5m_tokens or line.cache_write_1h_tokens
    kinds = TOKEN_SLOTS if writes else tuple(k for k in TOKEN_SLOTS if k[1] not in (2, 3))
    # Rule 6 windows: each takes its share of the tokens of the kinds it prices; the all-day
    # rows price the rest. Overlapping windows (not expected) are capped at what is left.
    portions = []  # (kind, slot, share, price)
    window_uses = []  # (window, share, ((slot, share, window price, all-day price), ...))
    left = {kind: Fraction(1) for kind, _s in kinds}
    if windows:
        home = home_currency([p for p in all_day if p.kind == Price.Kind.INPUT] or all_day or rows)
        for key in sorted(windows):
            window_rows = windows[key]
            share = window_share(window_rows[0].time_window, dims.hourly_usage, dims.as_of)
            wchosen = window_prices(window_rows, line.prompt_length, home)
            if share == 0 or not wchosen:
                continue
            used = []
            for kind, slot in kinds:
                price = wchosen.get(kind)
                if price is None or kind not in chosen:
                    continue
                part = min(share, left[kind])
                left[kind] -= part
                portions.append((kind, slot, part, price))
                used.append((slot, part, price, chosen[kind]))
            window_uses.append((window_rows[0].time_window, share, tuple(used)))
    all_day_portions = []
    for kind, slot in kinds:
        price = chosen.get(kind)
        if price is None:  # an embedding line: no output tokens, no output price needed
            continue
        all_day_portions.append((kind, slot, 1 if left[kind] == 1 else left[kind], price))
    parts, used, coefs = [], [], []
    for kind, slot, share, price in all_day_portions + portions:
        got = fx.factor(price.currency)
        if got is None:
            raise Unpriced(
                _("no exchange rate from %(a)s to %(b)s") % {"a": price.currency, "b": fx.currency}, fx=True
            )
        rate, rows_used = got
        used.extend(rows_used)
        parts.append((kind, slot, share, price, rate))
        n, scale = scaled(price.amount)
        coefs.append(Fraction(n, MILLION * 10**scale) * share * rate)
    den = math.lcm(1, *(c.denominator for c in coefs))
    nums = tuple(c.numerator * (den // c.denominator) for c in coefs)
    return _Plan(
        tier_used=tier_used,
        parts=tuple(parts),
        nums=nums,
        slot_nums=tuple((part[1], num) for part, num in zip(parts, nums, strict=True)),
        den=den,
        rates=tuple(used),
        windows=tuple(window_uses),
        mode_used=mode_used,
        moded=moded,
        band_assumed=band_assumed,
        derived=any(price.confidence == "derived" for _k, _s, _sh, price, _r in parts),
        oldest_checked_on=min((price.checked_on for _k, _s, _sh, price, _r in parts), default=None),
    )
