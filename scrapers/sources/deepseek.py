"""DeepSeek's pricing page (Docusaurus, server-rendered): one table with the models as columns.

    <tr><td colspan="2">模型</td><td>deepseek-v4-flash<sup>(1)</sup></td><td>deepseek-v4-pro</td></tr>
    <tr><td rowspan="3">价格</td><td>百万tokens输入（缓存命中）</td><td>0.02元</td><td>0.025元</td></tr>

The zh-cn page is in CNY, the English page in USD ("1M INPUT TOKENS (CACHE HIT)", "$0.07"). When
DeepSeek prices by time of day each price splits into OFF-PEAK and PEAK (or STANDARD / DISCOUNT)
rows or lines; the peak (standard) price is stored, the off-peak discount window is not.
"""

import re

from ..base import Observation, ParseError
from ..parsing import (
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
PEAK = re.compile(r"peak|standard|标准|高峰", re.I)


def _kind(label):
    if re.search(r"缓存命中|cache hit", label, re.I):
        return "cached_input"
    if re.search(r"缓存未命中|cache miss|输入|input", label, re.I):
        return "input"
    if re.search(r"输出|output", label, re.I):
        return "output"
    return None


def _peak_part(cell):
    """From "OFF-PEAK $0.035 PEAK $0.07" (labels before or after the figures) keep the peak figure."""
    if not OFF_PEAK.search(cell):
        return cell
    parts = re.split(r"((?:[$¥]\s*)?\d+(?:\.\d+)?\s*(?:元|USD|CNY)?)", cell)
    amounts = [(i, p) for i, p in enumerate(parts) if re.search(r"\d", p) and i % 2 == 1]
    labels_first = not re.search(r"\d", cell.split(amounts[0][1])[0]) and bool(
        cell.split(amounts[0][1])[0].strip()
    )
    for i, amount in amounts:
        label = parts[i - 1] if labels_first else (parts[i + 1] if i + 1 < len(parts) else "")
        if PEAK.search(label) and not OFF_PEAK.search(label):
            return amount
    raise ParseError(f"deepseek: cannot tell the peak price in {cell!r}")


def parse(text):
    page = require_markup(text, "deepseek")
    for table in page.find_all("table"):
        grid, _ = table_grid(table)
        if not grid or not MODEL_LABEL.match(grid[0][0][0]):
            continue
        head = [t for t, _ in grid[0]]
        labels = sum(1 for t in head if MODEL_LABEL.match(t))
        if any(re.search(r"price|价格|input|output|输入|输出", t, re.I) for t in head[labels:]):
            # Older layout: one row per model, prices in labelled columns.
            tables = [t for t in html_tables(page, context_of=lambda n: " / ".join(headings_before(n)))
                      if t.node is table]  # fmt: skip
            for t in tables:  # a time-of-day column ("优惠时段 00:30-08:30"): keep the standard rows
                t.rows = [row for row in t.rows if not any(OFF_PEAK.search(cell) for cell in row)]
            return observe_tables(tables, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="deepseek",
                                  skip_context=OFF_PEAK)  # fmt: skip
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
            if (
                kind is None
                or not PRICE_ROW.search(label)
                or OFF_PEAK.search(label)
                or NOT_PRICE_ROW.search(label)
            ):
                continue
            for model, cell in zip(models, cells[len(cells) - len(models) :], strict=True):
                amount = parse_price(_peak_part(cell), what=f"deepseek: {model} {label!r}")
                if amount is None:
                    continue
                currency = amount.currency or detect_currency(label)  # "1M TOKENS INPUT (USD) | 0.14"
                if currency is None:
                    raise ParseError(f"deepseek: no currency in {cell!r} ({model} {label!r})")
                per = unit_per(label) or 1_000_000
                out.append(
                    Observation(SLUG, VENDOR, PROVIDER, model, kind, per_million(amount.value, per), currency)
                )
        if not out:
            raise ParseError("deepseek: the model table has no price rows (input/output per 1M tokens)")
        return dedupe(out)
    raise ParseError("deepseek: no table whose first cell is 模型/MODEL")
