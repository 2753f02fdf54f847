"""Moonshot (Kimi) pricing: one Mintlify page per model family, one table per page, CNY.

    | 模型 | 计费单位 | 输入价格（缓存命中） | 输入价格（缓存未命中） | 输出价格 | 上下文窗口 |
    | kimi-k2.6 | 1M tokens | ¥1.10 | ¥6.50 | ¥27.00 | 262,144 tokens |

The international page (platform.kimi.ai, USD) is the same table in English; its markdown source
(an MDX <DocTable columns=... rows=...>) parses too. Its prices are region "intl" (see
parsing.international). The run fetches every family page: the configured
ones and those the pages link to under /docs/pricing/chat-*.
"""

import re

from ..base import ParseError
from ..parsing import dedupe, find_columns, international, is_price_table, page_tables, read_table

SLUG = "moonshot"
KIND = "vendor"
VENDOR = "moonshot"
PROVIDER = "moonshot"
URLS = [
    "https://platform.kimi.com/docs/pricing/chat-k3",
    "https://platform.kimi.com/docs/pricing/chat-k27-code",
    "https://platform.kimi.com/docs/pricing/chat-k26",
    "https://platform.kimi.com/docs/pricing/chat-k25",
    "https://platform.kimi.com/docs/pricing/chat-v1",
    # International site, USD (region "intl"); the URL LiteLLM's feed cites for kimi-k2.6.
    "https://platform.kimi.ai/docs/pricing/chat-k26",
]
# Family pages linked from a fetched page are fetched as well (same host only).
DISCOVER = re.compile(r'href="((?:https://platform\.kimi\.(?:com|ai))?/docs/pricing/chat-[a-z0-9-]+)"')


def parse(text):
    tables = [t for t in page_tables(text, "moonshot") if is_price_table(t)]
    if not tables:
        raise ParseError("moonshot: no table with a model column and input/output price columns")
    out = []
    for table in tables:
        cols = find_columns(table, what="moonshot")
        out += read_table(table, cols, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="moonshot")
    if not out:
        raise ParseError("moonshot: the pricing table has no model rows")
    return dedupe(international(out))
