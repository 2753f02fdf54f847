"""MiniMax pricing (platform.minimaxi.com), CNY: price cards drawn as CSS grids of divs, not tables.

    <div class="grid ..." style="grid-template-columns: ...">
      <div><span>MiniMax-M3</span><span>上下文 ≤ 512K</span><span>永久五折</span></div>
      <div><span class="... line-through">¥4.2</span><span>¥2.1</span></div> ...

A struck-through figure beside a permanent discount ("永久五折") is the list price: the price shown
is stored (a permanent discount is the price, catalog-format.md), with the list price in its note
("permanent discount 永久五折; list price 4.2 CNY"). The prompt
tier sits in the name cell ("上下文 ≤ 512K", "上下文 512K ~ 1M"). The international page's markdown
source (platform.minimax.io, USD, pipe tables inside <Tabs>) parses too; its prices are region "intl"
(see parsing.international), and its "Priority" tab (`<Tab title="Priority*">`, "Set `service_tier`
to `priority`") gives rows with service_tier "priority".
"""

import re
from dataclasses import replace

from ..base import ParseError
from ..parsing import (
    dedupe,
    grid_tables,
    headings_before,
    html_tables,
    international,
    looks_like_html,
    markdown_tables,
    model_id,
    observe_tables,
    require_markup,
    struck_text,
)

SLUG = "minimax"
KIND = "vendor"
VENDOR = "minimax"
PROVIDER = "minimax"
URLS = [
    "https://platform.minimaxi.com/subscribe/token-plan",
    # International pricing (USD, region "intl"): the page LiteLLM's feed cites for MiniMax prices.
    "https://platform.minimax.io/docs/guides/pricing-paygo",
]

SKIP_SECTION = re.compile(r"priority|优先|batch|批量", re.I)
PRIORITY = re.compile(r"priority|优先", re.I)
PERMANENT = re.compile(r"永久\S*折|permanent\s+\d+%\s*off", re.I)


STRUCK_MD = re.compile(r"~~([^~]+)~~\s*(?:\\?\$|¥|US\$)\s*[\d.,]+")  # "~~\$0.60~~ \$0.30" -> "\$0.60"


def _key(o):
    return (o.model, o.kind, o.tier_min_input_tokens, o.tier_max_input_tokens, o.currency)


def _md_labels(text):
    """{model id: "Permanent 50% off"} from markdown rows whose name cell carries the badge (the
    table reader drops the badge's HTML)."""
    labels = {}
    for line in text.splitlines():
        if (badge := PERMANENT.search(line)) and (name := re.search(r"\*\*([^*]+)\*\*", line)):
            labels[model_id(name.group(1))] = badge.group(0)
    return labels


def _list_price_notes(list_tables, out, service_tier="standard", skip_context=SKIP_SECTION, labels=None):
    """`out` with a note on each price of `service_tier` a permanent discount made: the list price
    the page strikes through beside it. `list_tables` are the same tables read for their struck
    figures; `labels` the discount's words per model where the tables lost them."""
    labels = dict(labels or {})
    for table in list_tables:
        for row in table.rows:
            if row and (m := PERMANENT.search(row[0])):
                labels[model_id(row[0].lstrip("*"))] = m.group(0)
    if not labels:
        return out
    listed = {_key(o): o.amount for o in observe_tables(
        list_tables, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="minimax", skip_context=skip_context)}  # fmt: skip
    noted = []
    for o in out:
        price = listed.get(_key(o))
        if o.service_tier == service_tier and o.model in labels and price is not None and price != o.amount:
            o = replace(
                o, note=f"permanent discount {labels[o.model]}; list price {price.normalize():f} {o.currency}"
            )
        noted.append(o)
    return noted


def parse(text):
    if not text or not text.strip():
        raise ParseError("minimax: the page is empty")
    priority, list_tables, list_priority = [], [], []
    if looks_like_html(text):
        page = require_markup(text, "minimax")
        context = lambda node: " / ".join(headings_before(node))  # noqa: E731
        list_tables = grid_tables(
            page, context_of=context, text_of=struck_text
        )  # before cell_text drops them
        tables = grid_tables(page, context_of=context) + html_tables(page, context_of=context)
    else:
        tables = markdown_tables(text)
        priority = [
            t for t in tables if PRIORITY.search(t.context) and not re.search(r"batch|批量", t.context, re.I)
        ]
        tables = [t for t in tables if not SKIP_SECTION.search(t.context)]
        struck = markdown_tables(STRUCK_MD.sub(r"\1", text))  # the struck list prices in their place
        list_tables = [t for t in struck if not SKIP_SECTION.search(t.context)]
        list_priority = [
            t for t in struck if PRIORITY.search(t.context) and not re.search(r"batch|批量", t.context, re.I)
        ]
    out = observe_tables(tables, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="minimax",
                         skip_context=SKIP_SECTION)  # fmt: skip
    if priority:
        found = observe_tables(priority, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="minimax")
        out += [replace(o, service_tier="priority") for o in found]
        out = _list_price_notes(list_priority, out, "priority", skip_context=None, labels=_md_labels(text))
    labels = None if looks_like_html(text) else _md_labels(text)
    return dedupe(international(_list_price_notes(list_tables, out, labels=labels)))
