"""Alibaba Cloud Model Studio (Bailian) pricing, CNY, from the help centre's document API: JSON whose
`data.content` is the page HTML (274 tables). The plain HTML page parses too.

    <h3>千问Max</h3> <h4>华北2（北京）</h4>
    | 模型 ID（Model ID） | 模式 | 单次请求的输入Token数 | 输入单价（每百万Token） | 输出单价（每百万Token） ... |
    | qwen3-max ... (rowspan 3) | 仅非思考模式 | 0<Token≤32K | 2.5元 | 10元 |

The mainland region (华北2（北京）, or sections without a region) gives the home prices (region
None); the Singapore sections (新加坡, whose rows say 服务部署范围 "国际") give the international prices
(region "intl", in the currency the page states: CNY on the Chinese page). Virginia, Frankfurt and
Tokyo are other deployments and are not read. Where output is priced per mode, the non-thinking
column is stored. A limited-time discount ("原价 12元 限时5折") is stored at the list price shown
(12); the catalog's programmes carry discounts.

Batch prices: each section states the rule "若模型支持 Batch调用 ，其输入和输出Token单价均按实时推理价格的50%计费"
and marks the models that support it in their name cell ("qwen3-max Batch调用 半价"). Only for such a
marked model are batch rows written: input and output at 50% of the row's price (the context-cache
discount does not combine with batch, so no batch cached input). Worked out by that rule, they are
confidence "derived" with the rule in their note, never "official".

Thinking mode: tables that split output into "输出单价 非思考模式" and "输出单价 思考模式(思维链+回答)"
columns give an output row per mode (qwen-plus-2025-04-28: 2元 non-thinking, 8元 thinking); a model
offered in one mode only ("仅思考模式", "-" in the other column) has that mode's row only. Where both
columns hold the same price the row is one output row for any mode.
"""

import json
import re
from dataclasses import replace
from decimal import Decimal

from ..base import ParseError
from ..parsing import (
    clean,
    dedupe,
    find_columns,
    headings_before,
    html_tables,
    is_price_table,
    model_id,
    read_table,
    require_markup,
)

SLUG = "alibaba"
KIND = "vendor"
VENDOR = "alibaba"
PROVIDER = "alibaba"
URLS = [
    "https://help.aliyun.com/help/json/document_detail.json?alias=/model-studio/model-pricing"
    "&pageNum=1&pageSize=20&website=cn&language=zh&channel="
]
PAGE_URL = "https://help.aliyun.com/zh/model-studio/model-pricing"

MAINLAND = re.compile(
    r"北京|杭州|上海|深圳|中国内地|中国大陆|beijing|hangzhou|chinese mainland|mainland china", re.I
)
ABROAD = re.compile(
    r"新加坡|弗吉尼亚|法兰克福|东京|香港|国际|美国|德国|日本|singapore|virginia|frankfurt|tokyo|hong kong|international|global",
    re.I,
)
SKIP_SECTION = re.compile(r"batch|批量|微调|训练|fine-?tun|部署", re.I)
INTL = re.compile(r"新加坡|singapore", re.I)
# A model cell marking batch calls at half price ("qwen3-max Batch调用 半价").
BATCH_HALF = re.compile(r"batch\s*调用\s*半价|batch calls?\W*half price", re.I)
HALF = Decimal("0.5")
BATCH_NOTE = 'derived: 50% of the real-time price, by the page\'s rule "Batch调用 半价"'


def _html(text):
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(f"alibaba: not JSON ({exc.msg})") from None
        data = doc.get("data") if isinstance(doc, dict) else None
        content = data.get("content") if isinstance(data, dict) else None
        if not isinstance(content, str) or not content.strip():
            raise ParseError("alibaba: the document API answer has no data.content")
        return content
    return text


def _context(node):
    parts = headings_before(node, limit=6)
    for part in parts:
        if MAINLAND.search(part):
            return " / ".join(parts)
        if ABROAD.search(part):
            return "abroad: " + clean(part)
    return " / ".join(parts)


def _read(tables, region):
    out = []
    for table in tables:
        if not is_price_table(table):
            continue
        cols = find_columns(table, what="alibaba")
        found = read_table(table, cols, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="alibaba",
                           default_currency="CNY")  # fmt: skip
        batch = {model_id(row[cols.model]) for row in table.rows
                 if cols.model < len(row) and BATCH_HALF.search(row[cols.model])}  # fmt: skip
        for o in found:
            o = replace(o, region=region)
            out.append(o)
            if o.model in batch and o.kind in ("input", "output"):
                out.append(replace(o, amount=o.amount * HALF, service_tier="batch", confidence="derived",
                                   note=BATCH_NOTE))  # fmt: skip
    return out


def parse(text):
    if not text or not text.strip():
        raise ParseError("alibaba: the page is empty")
    page = require_markup(_html(text), "alibaba")
    every = [t for t in html_tables(page, context_of=_context)
             if not SKIP_SECTION.search(t.context.split(" / ")[0] if t.context else "")]  # fmt: skip
    home = [t for t in every if not t.context.startswith("abroad: ")]
    intl = [t for t in every if t.context.startswith("abroad: ") and INTL.search(t.context)]
    if not any(t.context for t in home) and every:
        # A page without a mainland region (the international site): its first region only, as
        # international prices when it is Singapore.
        first = next((t.context for t in every if t.context.startswith("abroad: ")), None)
        if first:
            home = [] if INTL.search(first) else [t for t in every if t.context == first]
            intl = [t for t in every if t.context == first] if INTL.search(first) else []
    if not any(is_price_table(t) for t in home + intl):
        raise ParseError("alibaba: no table with a model column and input/output price columns")
    out = _read(home, None) + _read(intl, "intl")
    if not out:
        raise ParseError("alibaba: the pricing tables have no model rows")
    return dedupe(out)
