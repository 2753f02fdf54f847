"""OpenAI's API pricing page (Astro), USD per 1M tokens.

Newest models are server-rendered <table>s; the full lists (older models, collapsed rows) exist
only as HTML-escaped JSON in Astro island props, in Astro's [type, value] serialisation:

    <astro-island component-export="TextTokenPricingTables"
      props="{&quot;tier&quot;:[0,&quot;standard&quot;],&quot;rows&quot;:[1,[[1,[[0,&quot;gpt-4o&quot;],[0,2.5],[0,1.25],[0,10]]] ...">
    <astro-island component-export="GroupedPricingTable" props="{&quot;headings&quot;:[1,[[0,&quot;Model&quot;], ...],
      &quot;headingGroups&quot;: ... &quot;tooltip&quot;:[0,&quot;≤272K input tokens&quot;] ..., &quot;groups&quot;: ...}">

Each service-tier tab is read as its own rows: Standard, Batch, Flex and "Fast mode" (the page
aliases the query value `priority` to `fast`, so its prices are the priority tier). A tab comes as
a pane and an island tagged with the tier:

    <div data-content-switcher-pane="true" data-value="batch" hidden>
      <astro-island component-export="TextTokenPricingTables" props="{&quot;tier&quot;:[0,&quot;batch&quot;], ...">

A pane or island tier the parser does not know is skipped, never read as standard.
"Short context" / "Long context" columns and names such as "gpt-5.5 (<272K context length)" give
prompt tiers. Fine-tuning, audio/image modalities, tools and per-minute prices are skipped.
"""

import json
import re
from decimal import Decimal

from ..base import Observation, ParseError
from ..parsing import (
    NON_TOKEN_UNIT,
    clean,
    dedupe,
    headings_before,
    html_tables,
    model_id,
    observe_tables,
    parse_price,
    require_markup,
    soup,
    tier_or_none,
)

SLUG = "openai"
KIND = "vendor"
VENDOR = "openai"
PROVIDER = "openai"
URLS = ["https://developers.openai.com/api/docs/pricing"]

STANDARD = {None, "", "standard"}
# Pane / island tier value -> catalog service tier ("fast" is what the page calls priority).
SERVICE_TIER = {None: "standard", "": "standard", "standard": "standard", "batch": "batch",
                "flex": "flex", "fast": "priority", "priority": "priority"}  # fmt: skip
KIND_OF = (
    ("cached_input", r"cached input|cache read"),
    ("input", r"^(?:.*\s)?input$|^input\b"),
    ("output", r"output"),
)


def _decode(value):
    """Astro props serialisation: [0, plain] or [1, [serialised, ...]]; objects decode per key."""
    if isinstance(value, list) and value and value[0] in (0, 1):
        if len(value) == 1:
            return None
        if value[0] == 1:
            return [_decode(v) for v in value[1]]
        inner = value[1]
        if isinstance(inner, dict):
            return {k: _decode(v) for k, v in inner.items()}
        return inner
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    return value


def _label(value):
    if isinstance(value, dict):
        if "__pricingTooltipHeading" in value:
            return clean((value["__pricingTooltipHeading"] or {}).get("label") or "")
        if "__pricingHtml" in value:
            return clean(soup(value["__pricingHtml"]).get_text(" "))
        if "label" in value:
            return _label(value["label"])
    return clean("" if value is None else str(value))


def _tooltip(value):
    if isinstance(value, dict):
        if "__pricingTooltipHeading" in value:
            return clean((value["__pricingTooltipHeading"] or {}).get("tooltip") or "")
        if "label" in value:
            return _tooltip(value["label"])
    return ""


def _kind(label):
    text = label.lower()
    if "write" in text or "training" in text:
        return None
    for kind, pattern in KIND_OF:
        if re.search(pattern, text):
            return kind
    return None


def _split_name(name):
    """'gpt-5.5 (<272K context length)' -> ('gpt-5.5', (None, 271999))."""
    text = _label(name)
    model = model_id(text)
    tier = None
    paren = re.search(r"\(([^)]*)\)", text)
    if paren:
        tier = tier_or_none(paren.group(1))
    return model, tier


def _amount(cell, what):
    if isinstance(cell, Decimal | int):
        return Decimal(cell)
    text = _label(cell)
    if NON_TOKEN_UNIT.search(text) or re.search(r"/\s*1M characters|per 1k", text, re.I):
        return None
    amount = parse_price(text, what=what)
    return None if amount is None else amount.value


def _pane(node):
    pane = node.find_parent(attrs={"data-content-switcher-pane": True})
    return pane.get("data-value") if pane is not None else None


def _boundaries(islands):
    """Short / long context tiers from any heading group tooltip ("≤272K input tokens")."""
    found = {}
    for props in islands:
        for group in props.get("headingGroups") or []:
            label, tip = _label(group.get("label")), _tooltip(group.get("label"))
            tier = tier_or_none(tip) if tip else None
            if label and tier:
                found[label.lower()] = tier
    return found


def _observe(model, kind, amount, tier, service_tier="standard"):
    lo, hi = tier if tier else (None, None)
    return Observation(SLUG, VENDOR, PROVIDER, model, kind, amount, "USD", lo, hi, service_tier=service_tier)


def _grouped(props, boundaries, out, service_tier="standard"):
    headings = [_label(h) for h in props.get("headings") or []]
    if not headings or any(re.search(r"training", h, re.I) for h in headings):
        return
    lower = [h.lower() for h in headings]
    if not any(_kind(h) for h in headings):
        return
    groups = props.get("groups")
    rows = [(None, r) for r in props.get("rows") or []]
    if groups:
        rows = [(g.get("model"), r) for g in groups for r in (g.get("rows") or [])]
    has_category = lower[0] == "category"
    modality = lower.index("modality") if "modality" in lower else None
    # Column -> tier from the heading groups' spans.
    col_tier, col = {}, 0
    for group in props.get("headingGroups") or []:
        span = int(group.get("colSpan") or 1)
        tier = boundaries.get(_label(group.get("label")).lower())
        for c in range(col, col + span):
            col_tier[c] = tier
        col += span
    for group_name, row in rows:
        cells = list(row)
        if group_name is not None and not has_category or has_category:
            cells = [group_name] + cells
        name_at = 1 if has_category else 0
        if len(cells) != len(headings):
            raise ParseError(
                f"openai: a row of {len(cells)} cells under {len(headings)} headings {headings!r}"
            )
        if modality is not None and _label(cells[modality]).lower() != "text":
            continue
        model, name_tier = _split_name(cells[name_at])
        if not model or " " in _label(cells[name_at]).split("(")[0].strip():
            continue  # a tool or a category, not a model id
        for c, heading in enumerate(headings):
            kind = _kind(heading) if c not in (name_at, modality) and not (has_category and c == 0) else None
            if kind is None:
                continue
            amount = _amount(cells[c], f"openai: {model} {heading}")
            if amount is None:
                continue
            out.append(_observe(model, kind, amount, col_tier.get(c) or name_tier, service_tier))


def _text_token_rows(props, header, out, seen, service_tier="standard"):
    """TextTokenPricingTables rows: [name, input, cached, (cache writes), output], short context."""
    labels = [h for h in header[1:] if h] or ["Input", "Cached input", "Cache writes", "Output"]
    short = labels[: next((i for i, h in enumerate(labels[1:], 1) if _kind(h) == "input"), len(labels))]
    for row in props.get("rows") or []:
        model, name_tier = _split_name(row[0])
        if not model or model in seen:
            continue
        values = row[1:]
        cols = short if len(values) == len(short) else [h for h in short if "write" not in h.lower()]
        if len(values) != len(cols):
            raise ParseError(f"openai: row {row[0]!r} has {len(values)} prices for columns {cols!r}")
        for heading, cell in zip(cols, values, strict=True):
            kind = _kind(heading)
            amount = _amount(cell, f"openai: {model} {heading}") if kind else None
            if amount is not None:
                out.append(_observe(model, kind, amount, name_tier, service_tier))


def parse(text):
    page = require_markup(text, "openai")
    islands = []  # (island, props, service tier)
    for island in page.find_all("astro-island"):
        raw = island.get("props")
        if not raw or "rows" not in raw and "groups" not in raw:
            continue
        try:
            props = _decode(json.loads(raw, parse_float=Decimal, parse_int=Decimal))
        except json.JSONDecodeError as exc:
            raise ParseError(f"openai: island props are not JSON ({exc.msg})") from None
        service_tier = SERVICE_TIER.get(props.get("tier") or _pane(island))
        if service_tier is None:
            continue  # a tab the parser does not know: not read as any tier
        islands.append((island, props, service_tier))
    if not islands and not page.find("table"):
        raise ParseError("openai: no pricing tables and no Astro pricing islands (props with rows/groups)")
    boundaries = _boundaries([p for _, p, _ in islands])
    out = []
    for service_tier in ("standard", "batch", "flex", "priority"):
        _read_tier(page, [(i, p) for i, p, t in islands if t == service_tier], boundaries, service_tier, out)
    if not out and not islands:
        # A page without Astro islands (older layouts): every table headed Model / Input / Output,
        # outside Batch / Flex / Priority panes.
        tables = [t for t in html_tables(page, context_of=_section) if not NOT_STANDARD.search(t.context)]
        return observe_tables(tables, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="openai",
                              default_currency="USD", skip_header=re.compile(r"training", re.I))  # fmt: skip
    if not any(o.service_tier == "standard" for o in out):
        raise ParseError("openai: the pricing tables have no standard model prices (Model / Input / Output)")
    return dedupe(out)


def _read_tier(page, islands, boundaries, service_tier, out):
    """Rows of one service tier: its rendered text-token tables, then its islands' props."""
    seen, headers = set(), {}
    # Rendered text-token tables first: they carry the long-context columns.
    for table in html_tables(page):
        if SERVICE_TIER.get(_pane(table.node)) != service_tier or (
            table.header and table.header[0].lower() != "model"
        ):
            continue
        island = table.node.find_parent("astro-island")
        if island is None or island.get("component-export") != "TextTokenPricingTables":
            continue
        headers[id(island)] = [re.sub(r"^(short|long) context ", "", h, flags=re.I) for h in table.header]
        for row in table.rows:
            model, name_tier = _split_name(row[0])
            if not model:
                continue
            for c, heading in enumerate(table.header[1:], 1):
                kind = _kind(heading)
                group = re.match(r"(short|long) context", heading, re.I)
                tier = boundaries.get(group.group(0).lower()) if group else name_tier
                if kind is None or (group and tier is None and group.group(1).lower() == "long"):
                    continue
                amount = _amount(row[c], f"openai: {model} {heading}") if c < len(row) else None
                if amount is not None:
                    out.append(_observe(model, kind, amount, tier, service_tier))
                    seen.add(model)
    for island, props in islands:
        if island.get("component-export") == "TextTokenPricingTables":
            _text_token_rows(props, headers.get(id(island), []), out, seen, service_tier)
        else:
            _grouped(props, boundaries, out, service_tier)


NOT_STANDARD = re.compile(r"\b(?:batch|flex|priority|fast)\b|fine-?tun|training", re.I)


def _section(node):
    pane = node.find_parent(attrs={"data-content-switcher-pane": True}) or node.find_parent(
        attrs={"data-value": True}
    )
    hidden = node.find_parent(attrs={"hidden": True})
    label = (pane.get("data-value") or "") if pane is not None else ""
    return " / ".join(
        [label, "hidden" if hidden is not None and label not in STANDARD else ""] + headings_before(node)
    )
