"""What a response says about one vendor when `detail` is asked: the prices used, month by month
costs, benefit use, off-peak savings, programmes and rates."""

from fractions import Fraction
from functools import lru_cache

from offers.catalog.io import fmt_decimal
from offers.estimator.money import MILLION, exact, money, number
from offers.estimator.rates import fx_list
from offers.estimator.request import NON_THINKING
from offers.estimator.simulation import POOL_KINDS
from offers.models import Price, window_key

BAND_ASSUMED = "output_band_assumed"  # rule 1: no `requests`, the reply band was assumed


def _tier_label(row):
    return _tier_text(row.tier_min_input_tokens, row.tier_max_input_tokens)


@lru_cache(maxsize=1024)
def _tier_text(lo, hi):
    """Price.tier_label of a row with these bounds, or None (no model instance per price)."""
    return Price(tier_min_input_tokens=lo, tier_max_input_tokens=hi).tier_label or None


def with_tier(pl, entry):
    """A response line, with `tier_used` where the line's service tier had no rows and `mode_used`
    where the model has no rows of the line's mode (rule 6), and `warnings` ["output_band_assumed"]
    where the model prices replies by length and the line gives no `requests` (rule 1)."""
    if pl.tier_used != pl.line.service_tier:
        entry["tier_used"] = pl.tier_used
    if pl.moded and pl.mode_used != (pl.line.wanted_mode or NON_THINKING):
        entry["mode_used"] = pl.mode_used
    if pl.band_assumed:
        entry["warnings"] = [BAND_ASSUMED]
    return entry


def _tokens_text(tokens):
    """Whole token counts stay integers; a share of a line's tokens (rule 6) is a decimal string."""
    return int(tokens) if Fraction(tokens).denominator == 1 else number(tokens, 6)


def line_detail(pl):
    detail = _line_detail_base(pl)
    detail["service_tier"] = pl.line.service_tier
    detail["mode"] = pl.line.wanted_mode
    detail["reply_length"] = pl.line.reply_length
    if pl.moded:
        detail["mode_used"] = pl.mode_used
    if pl.band_assumed:
        detail["band_assumed"] = True
    if pl.tier_used != pl.line.service_tier:
        detail["tier_used"] = pl.tier_used
    if pl.windows:
        detail["windows"] = [
            {"window": w["window"], "share": number(w["share"], 6), "saved": money(w["saved"])}
            for w in pl.windows
        ]
    return detail


def _line_detail_base(pl):
    return {
        "openai_model": pl.line.model,
        "model": pl.model.slug,
        "model_name": pl.model.name,
        "input_tokens": pl.line.input_tokens,
        "cached_input_tokens": pl.line.cached_input_tokens,
        "output_tokens": pl.line.output_tokens,
        "requests": pl.line.requests,
        "prompt_length": pl.line.prompt_length,
        "monthly_cost": money(pl.monthly_cost),
        "prices": [
            {
                "kind": kind,
                "price_kind": price.kind,
                "tokens": _tokens_text(tokens),
                "amount": fmt_decimal(price.amount),
                "currency": price.currency,
                "tier": _tier_label(price),
                "rate": number(rate),
                "source_url": price.source_url,
                "checked_on": price.checked_on.isoformat(),
                "confidence": price.confidence,
                "service_tier": price.service_tier,
                "region": price.region,
                "time_window": price.time_window,
                "tier_min_output_tokens": price.tier_min_output_tokens,
                "tier_max_output_tokens": price.tier_max_output_tokens,
                "mode": price.mode,
                "note": price.note or None,
                "cost": money(tokens * exact(price.amount) * rate / MILLION),
            }
            for kind, tokens, price, rate in pl.parts
        ],
    }


def _benefit_detail(use):
    b = use.benefit
    is_pool = b.kind in POOL_KINDS
    return {
        "program": use.program.slug,
        "program_name": use.program.display_name,
        "kind": b.kind,
        "description": b.description or None,
        "percent": fmt_decimal(b.percent) if b.percent is not None else None,
        "months": b.months,
        "valid_days": b.valid_days,
        "models": None if use.models is None else sorted(m.slug for m in b.models),
        "size": (number(use.size, 6) if is_pool else money(use.size)) if use.size is not None else None,
        "unit": "tokens" if is_pool else "money",
        "used": [number(x, 6) if is_pool else money(x) for x in use.used],
        "value": [money(x) for x in use.value],
        "value_total": money(sum(use.value, Fraction(0))),
        "note": use.note or None,
    }


def _offpeak(priced):
    """Per time window priced at this vendor (rule 6): the share of tokens sent inside it (the
    same for every line: the profile is the request's) and what it saved a month over all lines."""
    windows = {}
    for pl in priced:
        for w in pl.windows:
            key = window_key(w["window"])
            entry = windows.setdefault(
                key, {"window": w["window"], "share": w["share"], "saved": Fraction(0)}
            )
            entry["saved"] += w["saved"]
    return [
        {"window": e["window"], "share": number(e["share"], 6), "monthly_saved": money(e["saved"])}
        for _k, e in sorted(windows.items())
    ]


def vendor_detail(provider, priced, programs, sim, rates, as_of):
    """What the page shows about one vendor: prices used, month by month costs and benefit use."""
    cumulative, running = [], Fraction(0)
    for cost in sim["month_costs"]:
        running += cost
        cumulative.append(running)
    return {
        "provider_name": provider.display_name,
        "pricing_url": provider.pricing_url or None,
        "lines": [line_detail(pl) for pl in priced],
        "months": [
            {
                "month": m,
                "list_cost": money(sim["monthly_list_cost"]),
                "cost": money(c),
                "cumulative": money(s),
            }
            for m, (c, s) in enumerate(zip(sim["month_costs"], cumulative, strict=True), start=1)
        ],
        "benefits": [_benefit_detail(use) for use in sim["benefits"]],
        "offpeak": _offpeak(priced),
        "programs": [
            {
                "slug": p.slug,
                "name": p.display_name,
                "source_urls": list(p.source_urls),
                "notes": p.display_notes or None,
            }
            for p in programs
        ],
        "fx": fx_list(rates, as_of),
    }
