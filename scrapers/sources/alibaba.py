"""Alibaba Cloud Model Studio (Bailian) pricing, CNY, from the help centre's document API: JSON whose
`data.content` is the page HTML (274 tables). The plain HTML page parses too.

    <h3>千问Max</h3> <h4>华北2（北京）</h4>
    | 模型 ID（Model ID） | 模式 | 单次请求的输入Token数 | 输入单价（每百万Token） | 输出单价（每百万Token） ... |
    | qwen3-max ... (rowspan 3) | 仅非思考模式 | 0<Token≤32K | 2.5元 | 10元 |

Only the mainland region (华北2（北京）, or sections without a region) is read: the same model is
priced differently in Singapore, Virginia, Frankfurt and Tokyo. Where output is priced per mode,
the non-thinking column is stored. A limited-time discount ("原价 12元 限时5折") is stored at the
list price shown (12); the catalog's programmes carry discounts.
"""

import json
import re

from ..base import ParseError
from ..parsing import clean, headings_before, html_tables, observe_tables, require_markup

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


def parse(text):
    if not text or not text.strip():
        raise ParseError("alibaba: the page is empty")
    page = require_markup(_html(text), "alibaba")
    every = html_tables(page, context_of=_context)
    tables = [t for t in every if not t.context.startswith("abroad: ")]
    if not any(t.context for t in tables) and every:
        # A page without a mainland region (the international site): read its first region only.
        first = next((t.context for t in every if t.context.startswith("abroad: ")), None)
        tables = [t for t in every if t.context == first] if first else tables
    tables = [t for t in tables if not SKIP_SECTION.search(t.context.split(" / ")[0] if t.context else "")]
    return observe_tables(tables, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="alibaba",
                          default_currency="CNY")  # fmt: skip
