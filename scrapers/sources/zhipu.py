"""Zhipu (bigmodel.cn) pricing: an SPA whose rendered page has a header table and a body table per
model group (Element UI fixed headers), CNY, prices tiered by prompt length in K tokens.

    | 模型名称 | 上下文 (千tokens) | 输入单价 (百万tokens) | 输出单价 (百万tokens) | 缓存存储 ... | 缓存命中 |
    | GLM-5.1 (rowspan 2) | 输入长度 [0, 32) | 6元 | 24元 | 限时免费 | 1.3元 |
    |                     | 输入长度 [32+)   | 8元 | 28元 | 限时免费 | 2元   |

Older groups have one "单价" column: the same price for input and output. Rows tiered by output
length ("输出长度 [0.2+)") are left out: only the row starting at output length 0 is stored. Fine
tuning, private instances, packages and tools are not token prices of the API and are skipped.
The international site (docs.z.ai, USD) has the same shape in English.
"""

import re

from ..base import ParseError
from ..parsing import dedupe, find_columns, is_price_table, page_tables, read_table

SLUG = "zhipu"
KIND = "vendor"
VENDOR = "zhipu"
PROVIDER = "zhipu"
URLS = ["https://open.bigmodel.cn/pricing"]

SKIP_HEADER = re.compile(r"分辨率|resolution|训练版本|部署版本", re.I)
SKIP_SECTION = re.compile(
    r"微调|私有|训练|套餐|解决方案|搜索工具|知识库|fine-?tun|private|training|batch|批量|tools?\b", re.I
)


def parse(text):
    tables = [t for t in page_tables(text, "zhipu") if is_price_table(t)]
    tables = [
        t
        for t in tables
        if not SKIP_SECTION.search(t.context.split(" / ")[0] if t.context else "")
        and not SKIP_HEADER.search(" ".join(t.header))
    ]
    if not tables:
        raise ParseError("zhipu: no table with a model column and input/output (or 单价) price columns")
    out = []
    for table in tables:
        cols = find_columns(table, what="zhipu")
        out += read_table(table, cols, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="zhipu")
    if not out:
        raise ParseError("zhipu: the pricing tables have no model rows")
    return dedupe(out)
