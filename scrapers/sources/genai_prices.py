"""pydantic's genai-prices dataset (data.json): a list of providers, each with models whose
`prices` are USD per 1M tokens, either one object or a list of {constraint, prices} entries.

    [{"id": "deepseek", "models": [{"id": "deepseek-chat", "prices": {"input_mtok": 0.27,
        "cache_read_mtok": 0.07, "output_mtok": 1.1}}, ...]}, ...]
    "prices": [{"prices": {...}}, {"constraint": {"start_date": "2025-06-10"}, "prices": {...}}]
    "input_mtok": {"base": 3, "tiers": [{"start": 200000, "price": 6}]}

Of a list, the entry with the latest `start_date` (an unconstrained entry counts as the earliest)
is the current price; entries for a time of day (start_time / end_time) are left out. A tiered
price of `base` up to N and `price` from N + 1 prompt tokens ("start": N). `vendor` is the
provider id. Only read by the cross-check (scrapers.crosscheck); not a scrape source.
"""

from ..base import Observation, ParseError, feed_key, first_per_slot
from ..parsing import load_json
from .feeds import decimal_or_none

SLUG = "genai-prices"
KIND = "feed"
URLS = ["https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json"]

PROVIDERS = {
    "openai": "openai",
    "deepseek": "deepseek",
    "moonshotai": "moonshot",
    "zhipuai": "zhipu",
    "minimax": "minimax",
}
FIELDS = (("input", "input_mtok"), ("cached_input", "cache_read_mtok"), ("output", "output_mtok"))


def _current(prices):
    if isinstance(prices, dict):
        return prices
    if not isinstance(prices, list):
        return None
    dated = []
    for entry in prices:
        if not isinstance(entry, dict) or not isinstance(entry.get("prices"), dict):
            continue
        constraint = entry.get("constraint") or {}
        if "start_time" in constraint or "end_time" in constraint:
            continue
        dated.append((str(constraint.get("start_date") or ""), entry["prices"]))
    return max(dated, key=lambda x: x[0])[1] if dated else None


def _number(value, what):
    number = decimal_or_none(value, what)
    return None if number is None or number < 0 else number.normalize()


def parse(text):
    doc = load_json(text, "genai-prices")
    if not isinstance(doc, list):
        raise ParseError("genai-prices: expected a list of providers")
    out = []
    for provider in doc:
        if not isinstance(provider, dict) or not isinstance(provider.get("models"), list):
            continue
        vendor = str(provider.get("id"))
        catalog = PROVIDERS.get(vendor)
        for model in provider["models"]:
            prices = _current(model.get("prices")) if isinstance(model, dict) else None
            if not prices:
                continue
            slug = str(model.get("id")).lower()
            what = f"genai-prices: {vendor}/{slug}"
            for kind, field in FIELDS:
                value = prices.get(field)
                if isinstance(value, dict):
                    tiers = sorted((t for t in value.get("tiers") or [] if isinstance(t, dict)),
                                   key=lambda t: int(decimal_or_none(t.get("start"), what) or 0))  # fmt: skip
                    starts = [int(decimal_or_none(t.get("start"), what)) for t in tiers]
                    base = _number(value.get("base"), f"{what}.{field}.base")
                    if base is not None:
                        out.append(Observation(SLUG, vendor, catalog, slug, kind, base, "USD", None,
                                               starts[0] if starts else None))  # fmt: skip
                    for i, tier in enumerate(tiers):
                        amount = _number(tier.get("price"), f"{what}.{field}.tiers[{i}]")
                        upper = starts[i + 1] if i + 1 < len(starts) else None
                        if amount is not None:
                            out.append(Observation(SLUG, vendor, catalog, slug, kind, amount, "USD",
                                                   starts[i] + 1, upper))  # fmt: skip
                    continue
                amount = _number(value, f"{what}.{field}")
                if amount is not None:
                    out.append(Observation(SLUG, vendor, catalog, slug, kind, amount, "USD"))
    if not out:
        raise ParseError("genai-prices: no model with prices.input_mtok / output_mtok")
    return first_per_slot(out, key=feed_key)
