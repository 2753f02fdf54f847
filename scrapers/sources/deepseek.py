"""DeepSeek's pricing page (Docusaurus, server-rendered): one table with the models as columns.

    <tr><td colspan="2">模型</td><td>deepseek-v4-flash<sup>(1)</sup></td><td>deepseek-v4-pro</td></tr>
    <tr><td rowspan="3">价格</td><td>百万tokens输入（缓存命中）</td><td>0.02元</td><td>0.025元</td></tr>

The zh-cn page is in CNY, the English page in USD ("1M INPUT TOKENS (CACHE HIT)", "$0.07"). When
DeepSeek prices by time of day each price splits into OFF-PEAK and PEAK (or DISCOUNT / STANDARD,
优惠时段 / 标准时段) rows, or both figures share a cell:

    <tr><td rowspan="2">1M INPUT TOKENS (CACHE HIT)</td><td>OFF-PEAK</td><td>$0.035</td></tr>
    <tr><td>PEAK</td><td>$0.07</td></tr>

The peak (standard) price is the all-day price (time_window None); the off-peak price is a row with
a time window. Its hours come from the page where it states them ("DISCOUNT PRICE (UTC 16:30-00:30)",
"优惠时段（北京时间 00:30-08:30）", a footnote "OFF-PEAK: UTC 16:30-00:30"), else from OFF_PEAK_WINDOW.
"""

import re
from dataclasses import replace

from ..base import Observation, ParseError, TimeWindow
from ..parsing import (
    clean,
    dedupe,
    detect_currency,
    headings_before,
    html_tables,
    model_id,
    observe_tables,
    parse_price,
    per_million,
    require_markup,
    table_grid,
    unit_per,
)

SLUG = "deepseek"
KIND = "vendor"
VENDOR = "deepseek"
PROVIDER = "deepseek"
URLS = [
    "https://api-docs.deepseek.com/zh-cn/quick_start/pricing",
    "https://api-docs.deepseek.com/quick_start/pricing",
]

# "MODEL", "模型", with a footnote mark left in the text ("MODEL(1)", "模型 1", "MODEL*").
MODEL_LABEL = re.compile(r"^(?:模型|models?)\s*(?:\(\d+\)|\d+|\*+)?$", re.I)
# Limits, not prices: "MAX OUTPUT TOKENS(3) | 8K", "最大输出长度 | 8K", "CONTEXT LENGTH | 64K".
NOT_PRICE_ROW = re.compile(r"\bmax|最大|长度|length|context|上下文|思维链|\bcot\b|并发|concurren", re.I)
PRICE_ROW = re.compile(r"百万|1M|tokens|价格|pric", re.I)
OFF_PEAK = re.compile(r"off-?peak|discount|优惠|闲时|夜间|低峰", re.I)
# Words that name a time of day by themselves; "discount" / "优惠" alone may be a promotion instead
# ("优惠价格（截至 2025-02-08）"): such a row is a window row only when it states its hours.
TIME_OF_DAY = re.compile(r"off-?peak|优惠时段|闲时|夜间|低峰", re.I)
PEAK = re.compile(r"peak|standard|标准|高峰", re.I)

# DeepSeek's off-peak window when the page shows off-peak prices but not their hours: UTC 16:30-00:30
# every day. Source: pydantic's genai-prices dataset (../shared/pages/feeds/genai-prices-data.json,
# provider "deepseek", price_comments: 'Deepseek off-peak pricing applies "UTC 16:30-00:30"'),
# checked 2026-08-21, for DeepSeek's 2025 off-peak discount.
OFF_PEAK_WINDOW = TimeWindow(start="16:30", end="00:30", tz="UTC")
# Zones the page writes its hours in -> IANA names.
ZONES = ((re.compile(r"\bUTC\b(?!\s*[+-]\s*\d)|\bGMT\b(?!\s*[+-]\s*\d)", re.I), "UTC"),
         (re.compile(r"北京时间|beijing time|UTC\s*\+\s*0?8(?::00)?\b", re.I), "Asia/Shanghai"))  # fmt: skip
HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*[-~至到]\s*(\d{1,2}):(\d{2})")
# "OFF-PEAK: UTC 16:30-00:30", "优惠时段（北京时间 00:30-08:30）": off-peak hours stated anywhere on the page.
STATED = re.compile(
    r"(?:off-?peak|discount|优惠|闲时|夜间|低峰)[^0-9<>]{0,40}?\d{1,2}:\d{2}\s*[-~至到]\s*\d{1,2}:\d{2}", re.I
)


def _zone(text):
    for pattern, zone in ZONES:
        if pattern.search(text):
            return zone
    return None


def _window(text, page_zone):
    """The off-peak window stated in `text` (a label or a sentence), or None when it states no hours.
    Hours without a zone take the zone the page names elsewhere; none at all is a ParseError."""
    m = HOURS.search(clean(text))
    if m is None:
        return None
    zone = _zone(text) or page_zone
    if zone is None:
        raise ParseError(f"deepseek: off-peak hours {m.group(0)!r} without a time zone on the page")
    start, end = f"{int(m.group(1)):02d}:{m.group(2)}", f"{int(m.group(3)):02d}:{m.group(4)}"
    try:
        return TimeWindow(start=start, end=end, tz=zone)
    except ValueError as exc:
        raise ParseError(f"deepseek: off-peak hours {m.group(0)!r}: {exc}") from None


def _page_window(page):
    """(window, zone): off-peak hours stated anywhere on the page (else OFF_PEAK_WINDOW) and the
    page's time zone, if it names one."""
    text = clean(page.get_text(" "))
    zone = _zone(text)
    stated = STATED.search(text)
    window = _window(stated.group(0), zone) if stated else None
    return window or OFF_PEAK_WINDOW, zone


def _kind(label):
    if re.search(r"缓存命中|cache hit", label, re.I):
        return "cached_input"
    if re.search(r"缓存未命中|cache miss|输入|input", label, re.I):
        return "input"
    if re.search(r"输出|output", label, re.I):
        return "output"
    return None


def _split_cell(cell):
    """{"peak": text, "off_peak": text} from "OFF-PEAK $0.035 PEAK $0.07" (labels before or after the
    figures); a cell without an off-peak label is all peak."""
    if not OFF_PEAK.search(cell):
        return {"peak": cell}
    parts = re.split(r"((?:[$¥]\s*)?\d+(?:\.\d+)?\s*(?:元|USD|CNY)?)", cell)
    amounts = [(i, p) for i, p in enumerate(parts) if re.search(r"\d", p) and i % 2 == 1]
    labels_first = not re.search(r"\d", cell.split(amounts[0][1])[0]) and bool(
        cell.split(amounts[0][1])[0].strip()
    )
    found = {}
    for i, amount in amounts:
        label = parts[i - 1] if labels_first else (parts[i + 1] if i + 1 < len(parts) else "")
        if TIME_OF_DAY.search(label):
            found.setdefault("off_peak", amount)
        elif OFF_PEAK.search(label):
            continue  # a promotional discount, not a time of day: not stored
        elif PEAK.search(label):
            found.setdefault("peak", amount)
    if "peak" not in found:
        raise ParseError(f"deepseek: cannot tell the peak price in {cell!r}")
    return found


def _off_peak_window(label, page_zone, default_window):
    """The window of an off-peak row: hours in its label, else the default when the label names a
    time of day; None for a promotional discount (not stored, as before time-of-day prices)."""
    window = _window(label, page_zone)
    if window is None and TIME_OF_DAY.search(label):
        window = default_window
    return window


def _rows_layout(page, table, default_window, page_zone):
    """Older layout: one row per model (and period), prices in labelled columns; a period column
    ("优惠时段（00:30-08:30）") marks the off-peak rows."""
    tables = [t for t in html_tables(page, context_of=lambda n: " / ".join(headings_before(n)))
              if t.node is table]  # fmt: skip
    out = []
    for t in tables:
        header_window = _window(" ".join(h for h in t.header if OFF_PEAK.search(h)), page_zone)
        peak_rows, windows = [], {}
        for row in t.rows:
            off = [cell for cell in row if OFF_PEAK.search(cell)]
            if not off:
                peak_rows.append(row)
                continue
            window = _window(off[0], page_zone) or header_window
            if window is None and TIME_OF_DAY.search(off[0]):
                window = default_window
            if window is not None:  # else a promotional discount row: not stored
                windows.setdefault(window, []).append(row)
        t.rows = peak_rows
        out += observe_tables([t], source=SLUG, vendor=VENDOR, provider=PROVIDER, what="deepseek",
                              skip_context=OFF_PEAK)  # fmt: skip
        for window, rows in windows.items():
            t.rows = rows
            found = observe_tables([t], source=SLUG, vendor=VENDOR, provider=PROVIDER, what="deepseek",
                                   skip_context=OFF_PEAK)  # fmt: skip
            out += [replace(o, time_window=window) for o in found]
    return dedupe(out)


def parse(text):
    page = require_markup(text, "deepseek")
    default_window, page_zone = _page_window(page)
    for table in page.find_all("table"):
        grid, _ = table_grid(table)
        if not grid or not MODEL_LABEL.match(grid[0][0][0]):
            continue
        head = [t for t, _ in grid[0]]
        labels = sum(1 for t in head if MODEL_LABEL.match(t))
        if any(re.search(r"price|价格|input|output|输入|输出", t, re.I) for t in head[labels:]):
            return _rows_layout(page, table, default_window, page_zone)
        models = [model_id(t) for t in head[labels:]]
        if not models or not all(models):
            raise ParseError(f"deepseek: model header {head!r} has no model ids")
        out = []
        for row in grid[1:]:
            cells = [t for t, _ in row]
            if len(cells) < len(models) + 1:
                continue
            label = " ".join(dict.fromkeys(cells[: len(cells) - len(models)]))
            kind = _kind(label)
            if kind is None or not PRICE_ROW.search(label) or NOT_PRICE_ROW.search(label):
                continue
            # An off-peak row ("DISCOUNT PRICE (UTC 16:30-00:30)", "OFF-PEAK"): a window row.
            row_window = (
                _off_peak_window(label, page_zone, default_window) if OFF_PEAK.search(label) else None
            )
            if OFF_PEAK.search(label) and row_window is None:
                continue  # a promotional discount row, not a time of day: not stored
            for model, cell in zip(models, cells[len(cells) - len(models) :], strict=True):
                parts = {"off_peak": cell} if row_window else _split_cell(cell)
                for part, part_text in parts.items():
                    amount = parse_price(part_text, what=f"deepseek: {model} {label!r}")
                    if amount is None:
                        continue
                    currency = amount.currency or detect_currency(label)  # "1M TOKENS INPUT (USD) | 0.14"
                    if currency is None:
                        raise ParseError(f"deepseek: no currency in {cell!r} ({model} {label!r})")
                    per = unit_per(label) or 1_000_000
                    window = None if part == "peak" else (row_window or default_window)
                    out.append(Observation(SLUG, VENDOR, PROVIDER, model, kind, per_million(amount.value, per),
                                           currency, time_window=window))  # fmt: skip
        if not any(o.time_window is None for o in out):
            raise ParseError("deepseek: the model table has no price rows (input/output per 1M tokens)")
        return dedupe(out)
    raise ParseError("deepseek: no table whose first cell is 模型/MODEL")
