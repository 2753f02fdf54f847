"""Model ids read from table cells, and the clean-up of a source's observations (dedupe, international)."""

import re
from dataclasses import replace

from bs4 import NavigableString

from scrapers.base import first_per_slot
from scrapers.parsing.text import clean

# --- model ids -------------------------------------------------------------------------------------

MODEL_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9._:/\-]*[A-Za-z0-9]|[A-Za-z]")


def model_id(text, *, words=False):
    """The API model id at the start of a cell: "qwen3.8-max Batch调用 半价" -> "qwen3.8-max".

    With words=True, leading ASCII words join with hyphens ("Hy3 preview" -> "hy3-preview").
    """
    t = clean(text)
    if words:
        m = re.match(r"[A-Za-z0-9][A-Za-z0-9._\-]*(?:\s+[A-Za-z0-9][A-Za-z0-9._\-]*)*", t)
        if not m:
            return None
        return re.sub(r"\s+", "-", m.group(0)).lower()
    m = MODEL_TOKEN.match(t)
    return m.group(0).lower() if m else None


def international(observations, *, home_currency="CNY"):
    """A vendor whose home prices are in `home_currency` publishes its international prices on
    another site in another currency (Z.ai, Kimi and MiniMax in English, Tencent Cloud
    international): a page whose every price is in another currency is that international page,
    and its rows are region "intl". A page with any home-currency price keeps region None."""
    if observations and all(o.currency != home_currency for o in observations):
        return [replace(o, region="intl") for o in observations]
    return observations


def dedupe(observations):
    """First observation per slot wins (see base.first_per_slot)."""
    return first_per_slot(observations)


def text_nodes(node):
    return [s for s in node.descendants if isinstance(s, NavigableString)]
