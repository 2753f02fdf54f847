"""Write parsed observations into the catalog, in one transaction, without losing good data.

Vendor pages (the authority for their provider's prices):
- unchanged price: only its checked date moves;
- changed within the threshold (and not contradicted by every aggregated feed): the current row
  is closed (valid_to = run date) and a new approved row opens, so history is kept;
- changed beyond the threshold, contradicted by the feeds, a new model or a new price slot:
  a pending row (status pending, method scraped, valid_from = run date) with a review note;
  a new model also gets its Model row (harmless metadata, kind chat unless the source says);
- a current price whose source URL is a page of this run but which the page no longer lists:
  kept as it is, flagged in the run's notes and in the price's review note;
- a slot includes the service tier, region and time window: a batch, international or off-peak
  price is its own row next to the standard, home, all-day one;
- a run whose pages show no time-of-day prices closes (valid_to = run date) the provider's open
  approved window rows: the off-peak discount has ended.
Aggregated feeds (LiteLLM, OpenRouter, models.dev):
- their values replace the source's FeedPrice snapshot, used to cross-check vendor pages;
- for providers with their own vendor source they never touch prices;
- for other providers (baidu, stepfun, ...) a new or changed value becomes a pending price
  (confidence reported), an unchanged one refreshes the checked date. Feeds never go live alone.
Running the same input twice changes nothing: equal pending rows are not duplicated.
"""

import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from offers.catalog.fx import Converter
from offers.catalog.io import fmt_decimal
from offers.catalog.services import lock_providers, lock_rates
from offers.models import ExchangeRate, Model, Price

from .base import TimeWindow
from .models import FeedPrice
from .sources import vendor_providers

PLACES = Decimal("1e-10")


@dataclass
class ApplyResult:
    changes: int = 0
    pending: int = 0
    unchanged: int = 0
    notes: list = field(default_factory=list)


def _test_gate():
    """Test-only (BANJIA_TEST_APPLY_GATE=PATH): mid-apply, inside the transaction, create
    PATH.reached and wait until PATH exists (at most 120 s), so a test can kill the worker here."""
    gate = settings.BANJIA_TEST_APPLY_GATE
    if not gate:
        return
    Path(f"{gate}.reached").touch()
    deadline = time.monotonic() + 120
    while not Path(gate).exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def threshold():
    return Decimal(str(settings.BANJIA_SCRAPE_CHANGE_THRESHOLD)) / 100


def _pct(old, new):
    if old == 0:
        return None if new == 0 else Decimal("Infinity")
    return (new - old) / old


def _fmt_pct(p):
    if p is None or not p.is_finite():
        return "from 0"
    return f"{'+' if p > 0 else ''}{(p * 100).quantize(Decimal('1'))}%"


def _describe_tier(o):
    lo, hi = o.tier_min_input_tokens, o.tier_max_input_tokens
    out = "" if lo is None and hi is None else f" [{lo or 0}-{'' if hi is None else hi} tokens]"
    if o.service_tier != "standard":
        out += f" {o.service_tier}"
    if o.region is not None:
        out += f" region {o.region}"
    if o.time_window is not None:
        w = o.time_window
        out += f" {w.start}-{w.end} {w.tz}" + (f" {','.join(w.days)}" if w.days else "")
    if o.tier_min_output_tokens is not None or o.tier_max_output_tokens is not None:
        hi = "" if o.tier_max_output_tokens is None else o.tier_max_output_tokens
        out += f" reply [{o.tier_min_output_tokens or 0}-{hi} tokens]"
    if o.mode is not None:
        out += f" mode {o.mode}"
    return out


def _window(o):
    return None if o.time_window is None else o.time_window.to_json()


def _dimensions(o):
    """Price field values of an observation's service tier, region, time window, reply-length band
    and mode, and its note (a derived price's rule, a permanent discount's list price)."""
    return {"service_tier": o.service_tier, "region": o.region, "time_window": _window(o),
            "tier_min_output_tokens": o.tier_min_output_tokens, "tier_max_output_tokens": o.tier_max_output_tokens,
            "mode": o.mode, "note": o.note or ""}  # fmt: skip


def _slot(model, o):
    rows = Price.objects.filter(
        model=model, kind=o.kind, currency=o.currency, service_tier=o.service_tier,
        tier_min_input_tokens=o.tier_min_input_tokens, tier_max_input_tokens=o.tier_max_input_tokens,
    )  # fmt: skip
    rows = rows.filter(region__isnull=True) if o.region is None else rows.filter(region=o.region)
    rows = rows.filter(mode__isnull=True) if o.mode is None else rows.filter(mode=o.mode)
    for name in ("tier_min_output_tokens", "tier_max_output_tokens"):
        value = getattr(o, name)
        rows = rows.filter(**{f"{name}__isnull": True} if value is None else {name: value})
    if o.time_window is None:
        return rows.filter(time_window__isnull=True)
    return rows.filter(time_window=_window(o))


def _row_window(row):
    """A Price row's time window as the observations' TimeWindow (None for all day)."""
    w = row.time_window
    if not w:
        return None
    return TimeWindow(
        start=w["start"], end=w["end"], tz=w["tz"], days=tuple(w["days"]) if w.get("days") else None
    )


def feed_disagreement(o, converter, limit):
    """A note when every feed listing this model disagrees with the page beyond the threshold."""
    if o.tier_min_input_tokens is not None:
        return None  # feeds and pages cut tiers differently: compare the first tier only
    if (o.service_tier, o.region, o.time_window) != ("standard", None, None):
        return None  # feeds carry the standard, all-day price of one region: nothing to compare
    if o.mode is not None or o.tier_min_output_tokens is not None or o.tier_max_output_tokens is not None:
        return None  # nor one price per mode or reply length
    rows = list(FeedPrice.objects.filter(provider=o.provider, model=o.model, kind=o.kind,
                                         tier_min_input_tokens__isnull=True))  # fmt: skip
    if not rows:
        return None
    seen = []
    for row in rows:
        value = converter.convert(row.amount, row.currency, o.currency)
        if value is None:
            continue
        p = _pct(value, o.amount)
        if p is not None and abs(p) <= limit:
            return None  # at least one feed agrees
        seen.append(f"{row.source} {fmt_decimal(value.quantize(Decimal('0.0001')))} {o.currency}")
    if not seen:
        return None
    return (f"{o.kind} {fmt_decimal(o.amount)} {o.currency} disagrees with the feeds "
            f"({', '.join(seen)}) beyond {fmt_decimal(limit * 100)}% threshold")  # fmt: skip


def _pending(model, o, *, url, on, note, confidence, result):
    """Create or refresh the pending row for this slot and page; never a duplicate."""
    amount = o.amount.quantize(PLACES)
    existing = _slot(model, o).filter(status=Price.Status.PENDING, source_url=url).order_by("-id").first()
    if existing is not None:
        fields = []
        if existing.amount != amount:
            existing.amount = amount
            fields.append("amount")
        if existing.review_note != note:
            existing.review_note = note
            fields.append("review_note")
        if existing.checked_on != on:
            existing.checked_on = on
            fields.append("checked_on")
        if fields:
            existing.save(update_fields=fields)
    else:
        Price.objects.create(
            model=model, kind=o.kind, amount=amount, currency=o.currency,
            tier_min_input_tokens=o.tier_min_input_tokens, tier_max_input_tokens=o.tier_max_input_tokens,
            valid_from=on, valid_to=None, source_url=url, checked_on=on, method=Price.Method.SCRAPED,
            confidence=confidence, status=Price.Status.PENDING, review_note=note, **_dimensions(o),
        )  # fmt: skip
    result.pending += 1


def _model(provider, o, created, result, label):
    key = (provider.pk, o.model)
    if key not in created:
        model = Model.objects.filter(provider=provider, slug=o.model).first()
        if model is None:
            model = Model.objects.create(provider=provider, slug=o.model, name=o.model,
                                         kind=o.model_kind if o.model_kind in Model.Kind.values else "chat")  # fmt: skip
            result.notes.append(
                f"discovered {provider.slug}/{o.model} ({label}): new model, prices pending review"
            )
            created[key] = (model, True)
        else:
            created[key] = (model, False)
    return created[key]


def _providers(slugs):
    """Lock (and create if missing) the providers this run writes to: the per-provider write lock
    shared with import_catalog. A vendor not in the catalog yet stays unpublished until curated."""
    locked = lock_providers({slug: {"name": slug, "is_published": False} for slug in slugs})
    return {slug: provider for slug, (provider, _created) in locked.items()}


def _apply_one(provider, o, *, url, on, limit, converter, official, created, result, label):
    model, is_new = _model(provider, o, created, result, label)
    amount = o.amount.quantize(PLACES)
    confidence = Price.Confidence.OFFICIAL if official else Price.Confidence.REPORTED
    if official and o.confidence == "derived":  # worked out by a rule the page states
        confidence = Price.Confidence.DERIVED
    what = f"{o.kind}{_describe_tier(o)}"
    if is_new or not model.prices.filter(status=Price.Status.APPROVED).exists():
        note = "new model not in catalog" + ("" if official else f" (reported by {label})")
        return _pending(model, o, url=url, on=on, note=note, confidence=confidence, result=result)
    current = _slot(model, o).filter(status=Price.Status.APPROVED, valid_to__isnull=True).first()
    if current is None:
        note = f"new price: {what} not in catalog" + ("" if official else f" (reported by {label})")
        return _pending(model, o, url=url, on=on, note=note, confidence=confidence, result=result)
    if current.amount == amount:
        if current.checked_on != on:
            current.checked_on = on
            current.save(update_fields=["checked_on"])
        result.unchanged += 1
        return None
    p = _pct(current.amount, amount)
    change = (f"{what} changed {fmt_decimal(current.amount)} -> {fmt_decimal(amount)} {o.currency} "
              f"({_fmt_pct(p)})")  # fmt: skip
    if not official:
        note = f"{change}, reported by {label} (feeds never change prices alone)"
        return _pending(model, o, url=url, on=on, note=note, confidence=confidence, result=result)
    if p is None or not p.is_finite() or abs(p) > limit:
        note = f"{change} beyond {fmt_decimal(limit * 100)}% threshold"
        return _pending(model, o, url=url, on=on, note=note, confidence=confidence, result=result)
    disagreement = feed_disagreement(o, converter, limit)
    if disagreement:
        return _pending(model, o, url=url, on=on, note=f"{change}; {disagreement}", confidence=confidence,
                        result=result)  # fmt: skip
    if current.valid_from >= on:
        note = f"{change} on the day the current price starts"
        return _pending(model, o, url=url, on=on, note=note, confidence=confidence, result=result)
    current.valid_to = on
    current.save(update_fields=["valid_to"])
    Price.objects.create(
        model=model, kind=o.kind, amount=amount, currency=o.currency,
        tier_min_input_tokens=o.tier_min_input_tokens, tier_max_input_tokens=o.tier_max_input_tokens,
        valid_from=on, source_url=url, checked_on=on, method=Price.Method.SCRAPED,
        confidence=confidence, status=Price.Status.APPROVED, **_dimensions(o),
    )  # fmt: skip
    result.changes += 1
    return None


def _vanished(provider, observed, urls, result):
    """Current approved prices that came from these pages but are no longer on them."""
    rows = Price.objects.filter(model__provider=provider, status=Price.Status.APPROVED, valid_to__isnull=True,
                                source_url__in=urls).select_related("model")  # fmt: skip
    for row in rows:
        slot = (provider.slug, row.model.slug, row.kind, row.tier_min_input_tokens, row.tier_max_input_tokens,
                row.currency, row.service_tier, row.region, _row_window(row),
                row.tier_min_output_tokens, row.tier_max_output_tokens, row.mode or None)  # fmt: skip
        if slot in observed:
            continue
        note = "price vanished from the page (kept until reviewed)"
        result.notes.append(f"vanished {row.model.slug} {row.kind} {fmt_decimal(row.amount)} {row.currency} "
                            f"from {row.source_url}")  # fmt: skip
        if row.review_note != note:
            row.review_note = note
            row.save(update_fields=["review_note"])


def _close_windows(provider, on, result):
    """The pages show no time-of-day prices: the provider's open approved window rows end today."""
    rows = Price.objects.filter(model__provider=provider, status=Price.Status.APPROVED, valid_to__isnull=True,
                                time_window__isnull=False).select_related("model")  # fmt: skip
    for row in rows:
        what = f"{row.model.slug} {row.kind} {fmt_decimal(row.amount)} {row.currency} ({row.window_key})"
        if row.valid_from >= on:
            result.notes.append(f"off-peak price {what} is no longer on the page but starts today: kept")
            continue
        row.valid_to = on
        row.save(update_fields=["valid_to"])
        result.changes += 1
        result.notes.append(f"closed off-peak price {what}: the page shows no time-of-day prices")


@transaction.atomic
def apply_observations(source, observations, origin, *, urls, on):
    result, created, limit = ApplyResult(), {}, threshold()
    converter = Converter.load(on)  # one query for every rate the cross-check may need
    if source.KIND == "vendor":
        provider = _providers([source.PROVIDER])[source.PROVIDER]
        for n, o in enumerate(observations):
            _apply_one(provider, o, url=origin[o.slot], on=on, limit=limit, converter=converter, official=True, created=created,
                       result=result, label=source.SLUG)  # fmt: skip
            if n == 0:
                _test_gate()
        if not any(o.time_window is not None for o in observations):
            _close_windows(provider, on, result)  # closed first, so they are not also "vanished"
        _vanished(provider, {o.slot for o in observations}, urls, result)
        return result
    # An aggregated feed.
    mapped = [o for o in observations if o.provider]
    FeedPrice.objects.filter(source=source.SLUG).delete()
    FeedPrice.objects.bulk_create([
        FeedPrice(source=source.SLUG, vendor=o.vendor, provider=o.provider, model=o.model, kind=o.kind,
                  amount=o.amount.quantize(PLACES), currency=o.currency, tier_min_input_tokens=o.tier_min_input_tokens,
                  tier_max_input_tokens=o.tier_max_input_tokens, seen_on=on)
        for o in mapped
    ], batch_size=500)  # fmt: skip
    own_pages = vendor_providers()
    providers, done = _providers({o.provider for o in mapped if o.provider not in own_pages}), set()
    for o in mapped:
        if o.provider in own_pages or o.slot in done:
            continue
        done.add(o.slot)
        _apply_one(providers[o.provider], o, url=origin[o.slot], on=on, limit=limit, converter=converter, official=False,
                   created=created, result=result, label=source.SLUG)  # fmt: skip
    return result


@transaction.atomic
def apply_rates(rates, origin):
    """Upsert ExchangeRate on (base, quote, date); an equal rate is left alone."""
    result = ApplyResult()
    lock_rates()
    for r in rates:
        key = (r.base, r.quote, r.date)
        existing = ExchangeRate.objects.filter(base=r.base, quote=r.quote, date=r.date).first()
        if existing is None:
            ExchangeRate.objects.create(
                base=r.base, quote=r.quote, date=r.date, rate=r.rate, source_url=origin[key]
            )
            result.changes += 1
        elif existing.rate != r.rate:
            existing.rate = r.rate
            existing.source_url = origin[key]
            existing.save(update_fields=["rate", "source_url"])
            result.changes += 1
        else:
            result.unchanged += 1
    return result
