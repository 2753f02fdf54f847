"""The second opinion: every current official price in the catalog against what the recorded
aggregated feeds (LiteLLM, OpenRouter, models.dev, genai-prices) say for the same model.

A feed's price is read by its parser (scrapers.sources; genai-prices by scrapers.sources.
genai_prices) and converted into the currency of our row at the catalog's rate of the check date
(offers.catalog.fx.Converter: the latest stored rate on or before it). Our rows of a model and price kind
are those of confidence "official", approved, valid on the check date, standard service tier and
all day; a feed price is compared with the rows whose prompt tier holds the feed tier's first token
(every region, mode and reply band: the feed agrees when it is within 2% of any of them).
Disagreeing by more than 2% of our amount is a disagreement; a curated file
(data/curated/crosscheck.json) explains the known ones, each with the feed, the model and why the
feed is wrong or about something else.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db.models import Q

from offers.catalog.fx import Converter
from offers.models import Price

from .sources import genai_prices, litellm, models_dev, openrouter

THRESHOLD = Decimal("0.02")
FEEDS = (
    (litellm, "feeds/litellm-model_prices_and_context_window.json"),
    (openrouter, "feeds/openrouter-models.json"),
    (models_dev, "feeds/models-dev-api.json"),
    (genai_prices, "feeds/genai-prices-data.json"),
)
KINDS = ("input", "cached_input", "output")
EXPLAINED_FILE = Path(__file__).resolve().parent.parent / "data" / "curated" / "crosscheck.json"


class CrosscheckError(Exception):
    """A feed or the curated file cannot be read; the message says which."""


@dataclass
class Disagreement:
    provider: str
    model: str
    kind: str
    tier_min_input_tokens: int | None
    tier_max_input_tokens: int | None
    ours: list  # [{"amount", "currency", "region", "mode", "tier_min_output_tokens"}]
    feed: str
    feed_vendor: str
    feed_amount: Decimal  # per 1M tokens, in feed_currency
    feed_currency: str
    feed_converted: Decimal  # in the currency of ours[0]
    difference_percent: Decimal | None  # (feed_converted - ours[0]) / ours[0] x 100; None if ours is 0
    explained: str | None = field(default=None)

    def as_json(self):
        return {
            "provider": self.provider,
            "model": self.model,
            "kind": self.kind,
            "tier_min_input_tokens": self.tier_min_input_tokens,
            "tier_max_input_tokens": self.tier_max_input_tokens,
            "ours": [dict(o, amount=plain(o["amount"])) for o in self.ours],
            "feed": self.feed,
            "feed_vendor": self.feed_vendor,
            "feed_amount": plain(self.feed_amount),
            "feed_currency": self.feed_currency,
            "feed_converted": {"amount": plain(self.feed_converted), "currency": self.ours[0]["currency"]},
            "difference_percent": None if self.difference_percent is None else str(self.difference_percent),
            "explained": self.explained,
        }


def plain(number):
    """A Decimal as plain digits: 10, not 1E+1."""
    return format(number.normalize(), "f")


def current_rows(on):
    """Our current official rows: {(provider, model, kind): [Price]}."""
    rows = (
        Price.objects.approved()
        .filter(confidence=Price.Confidence.OFFICIAL, valid_from__lte=on, kind__in=KINDS)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .filter(service_tier="standard", time_window__isnull=True)
        .select_related("model__provider")
        .order_by("model__provider__slug", "model__slug", "kind", "region", "id")
    )
    out = {}
    for row in rows:
        out.setdefault((row.model.provider.slug, row.model.slug, row.kind), []).append(row)
    return out


def read_feeds(pages_dir):
    """Every feed's observations: [(feed slug, Observation)] (a missing file is an error)."""
    out = []
    for module, name in FEEDS:
        path = Path(pages_dir) / name
        if not path.is_file():
            raise CrosscheckError(f"{path}: the recorded {module.SLUG} feed is missing")
        for obs in module.parse(path.read_text(encoding="utf-8")):
            if (
                obs.provider
                and obs.kind in KINDS
                and obs.service_tier == "standard"
                and obs.time_window is None
            ):
                out.append((module.SLUG, obs))
    return out


def load_explanations(path=EXPLAINED_FILE):
    """[{"feed", "provider", "model", "kind"?, "vendor"?, "reason"}] from the curated file."""
    path = Path(path)
    if not path.is_file():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CrosscheckError(f"{path}: not JSON ({exc})") from None
    entries = doc.get("explained") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise CrosscheckError(f'{path}: expected {{"explained": [...]}}')
    for i, e in enumerate(entries):
        for key in ("feed", "provider", "model", "reason"):
            if not isinstance(e, dict) or not str(e.get(key) or "").strip():
                raise CrosscheckError(f"{path}: explained[{i}].{key} is required")
    return entries


def _explain(d, explanations):
    """The reason of the first entry that matches `d`: feed, provider and model always; kind,
    feed vendor, feed amount and the prompt tier's first token where the entry gives them."""
    for e in explanations:
        if (e["feed"], e["provider"], e["model"]) != (d.feed, d.provider, d.model):
            continue
        if e.get("kind") not in (None, d.kind) or e.get("vendor") not in (None, d.feed_vendor):
            continue
        if e.get("feed_amount") is not None and Decimal(str(e["feed_amount"])) != d.feed_amount:
            continue
        if "tier_min_input_tokens" in e and e["tier_min_input_tokens"] != d.tier_min_input_tokens:
            continue
        return e["reason"]
    return None


def _holds(row, first_token):
    low = row.tier_min_input_tokens or 0
    return low <= first_token and (
        row.tier_max_input_tokens is None or first_token <= row.tier_max_input_tokens
    )


def _ours(row):
    return {"amount": row.amount.normalize(), "currency": row.currency, "region": row.region, "mode": row.mode,
            "tier_min_output_tokens": row.tier_min_output_tokens}  # fmt: skip


def compare(rows, observations, converter, explanations=()):
    """The disagreements (sorted), each with its explanation or None. Feed prices with no row of
    ours to compare, or no rate to convert, are not disagreements."""
    found = []
    for feed, obs in observations:
        candidates = rows.get((obs.provider, obs.model, obs.kind))
        if not candidates:
            continue
        first_token = obs.tier_min_input_tokens or 0
        held = [r for r in candidates if _holds(r, first_token)]
        if not held:
            continue
        best = None
        for row in held:
            factor = converter.factor(obs.currency, row.currency)
            if factor is None:
                continue
            converted = obs.amount * factor
            if row.amount == 0:
                off = Decimal(0) if converted == 0 else None
            else:
                off = (converted - row.amount) / row.amount
            if off is not None and abs(off) <= THRESHOLD:
                best = None
                break
            if best is None:
                best = (row, converted, off)
        else:
            if best is None:
                continue
            row, converted, off = best
            percent = None if off is None else (off * 100).quantize(Decimal("0.01"))
            d = Disagreement(
                provider=obs.provider,
                model=obs.model,
                kind=obs.kind,
                tier_min_input_tokens=row.tier_min_input_tokens,
                tier_max_input_tokens=row.tier_max_input_tokens,
                ours=[_ours(r) for r in [row] + [r for r in held if r is not row]],
                feed=feed,
                feed_vendor=obs.vendor,
                feed_amount=obs.amount,
                feed_currency=obs.currency,
                feed_converted=converted.quantize(Decimal("0.000001")).normalize(),
                difference_percent=percent,
            )
            d.explained = _explain(d, explanations)
            found.append(d)
    found.sort(
        key=lambda d: (d.provider, d.model, d.kind, d.tier_min_input_tokens or 0, d.feed, d.feed_vendor)
    )
    return found


def run(pages_dir, on=None, explained_file=EXPLAINED_FILE):
    """Cross-check the database's catalog against the recorded feeds on `on` (default today)."""
    from offers.models import today

    on = on or today()
    if not isinstance(on, date):
        raise TypeError("on must be a date")
    return compare(
        current_rows(on), read_feeds(pages_dir), Converter.load(on), load_explanations(explained_file)
    )
