"""Zhipu (bigmodel.cn) pricing: an SPA whose rendered page has a header table and a body table per
model group (Element UI fixed headers), CNY, prices tiered by prompt length in K tokens.

    | 模型名称 | 上下文 (千tokens) | 输入单价 (百万tokens) | 输出单价 (百万tokens) | 缓存存储 ... | 缓存命中 |
    | GLM-5.1 (rowspan 2) | 输入长度 [0, 32) | 6元 | 24元 | 限时免费 | 1.3元 |
    |                     | 输入长度 [32+)   | 8元 | 28元 | 限时免费 | 2元   |

Older groups have one "单价" column: the same price for input and output. GLM-4.7 and GLM-4.5-Air
price short replies lower: "输入长度 [0, 32) 输出长度 [0, 0.2)" (the header's unit is K tokens, so
replies of 0..199 tokens) and "输出长度 [0.2+)" (200 tokens and more) are rows with their
reply-length band, inclusive (parsing.output_band); a row without one holds for any reply. Fine
tuning, private instances, packages and tools are not token prices of the API and are skipped.

Older groups price the Batch API in a column of their own, read as rows with service_tier "batch":

    | 模型 | 简介 | 上下文 | 单价 | Batch API 定价 |
    | GLM-4-Plus | 高智能旗舰 | 128K | 5 元 / 百万Tokens | 2.5 元 / 百万Tokens |

The international site (docs.z.ai, USD) has the same shape in English; its prices are region "intl"
(see parsing.international).
"""

import re
from dataclasses import replace

from ..base import ParseError
from ..parsing import Table, dedupe, find_columns, international, is_price_table, page_tables, read_table

SLUG = "zhipu"
KIND = "vendor"
VENDOR = "zhipu"
PROVIDER = "zhipu"
URLS = [
    "https://open.bigmodel.cn/pricing",
    "https://docs.z.ai/guides/overview/pricing",  # international site (Z.ai), USD: region "intl"
]

SKIP_HEADER = re.compile(r"分辨率|resolution|训练版本|部署版本", re.I)
BATCH_COLUMN = re.compile(r"batch|批量", re.I)
SKIP_SECTION = re.compile(
    r"微调|私有|训练|套餐|解决方案|搜索工具|知识库|fine-?tun|private|training|batch|批量|tools?\b", re.I
)


def _batch_table(table):
    """The same table with its Batch API price column as the one price column, or None."""
    batch = next((i for i, h in enumerate(table.header) if BATCH_COLUMN.search(h)), None)
    if batch is None:
        return None
    header = ["(standard)" if re.search(r"单价|价格|price", h, re.I) and i != batch else h
              for i, h in enumerate(table.header)]  # fmt: skip
    header[batch] = "单价"
    return Table(header=header, rows=table.rows, context=table.context, node=table.node)


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
        batch = _batch_table(table)
        if batch is not None and is_price_table(batch):
            found = read_table(batch, find_columns(batch, what="zhipu"), source=SLUG, vendor=VENDOR,
                               provider=PROVIDER, what="zhipu")  # fmt: skip
            out += [replace(o, service_tier="batch") for o in found]
    if not out:
        raise ParseError("zhipu: the pricing tables have no model rows")
    return dedupe(international(out))
