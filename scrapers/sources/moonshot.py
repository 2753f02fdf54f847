"""Moonshot (Kimi) pricing: one Mintlify page per model family, one table per page, CNY.

    | 模型 | 计费单位 | 输入价格（缓存命中） | 输入价格（缓存未命中） | 输出价格 | 上下文窗口 |
    | kimi-k2.6 | 1M tokens | ¥1.10 | ¥6.50 | ¥27.00 | 262,144 tokens |

The international page (platform.kimi.ai, USD) is the same table in English; its markdown source
(an MDX <DocTable columns=... rows=...>) parses too. Its prices are region "intl" (see
parsing.international). The run fetches every family page: the configured
ones and those the pages link to under /docs/pricing/chat-*.
"""

import re

from ..base import Offer, ParseError
from ..offer_reading import merge, normal, tidy
from ..parsing import (
    dedupe,
    find_columns,
    international,
    is_price_table,
    looks_like_html,
    page_tables,
    read_table,
    soup,
)

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


# --- Offers (DESIGN.md, refresh pipeline: offer observations) -----------------------------------
#
#     🎉 Kimi K3 旗舰模型已正式发布，充值限时最高返券30%！ 了解更多     (the site-wide banner)
#
# Vouchers back on a top-up, "up to" a percent, for a limited time: a limited-time offer whose
# terms are on a page we do not read (/docs/pricing/promotion), so it is about top-ups, not a
# discount on tokens, and is shown, never counted.

TOP_UP = re.compile(r"充值限时最高返券\s*(\d+(?:\.\d+)?)\s*%[！!]?")
# The banner's sentence: from the last stop (or the party popper) before the offer to its end.
SENTENCE = re.compile(r"(?:^|[。！!🎉]|\s{2,})\s*([^。！!🎉]*?充值限时最高返券\s*\d+(?:\.\d+)?\s*%[！!]?)")


def parse_offers(text):
    """Offer observations of the page: the limited-time top-up voucher rebate. A page without it
    yields none; an empty page raises."""
    page_tables(text, "moonshot")  # an empty page or an application shell raises here
    if looks_like_html(text):
        nodes = soup(text).find_all(string=re.compile("返券"))
        lines = [tidy(n.parent.get_text(" ")) for n in nodes if n.parent.name not in ("script", "style")]
    else:
        lines = [tidy(line) for line in text.splitlines() if "返券" in line]
    if not lines:
        return []
    m = next((m for m in map(TOP_UP.search, lines) if m), None)
    if m is None:
        raise ParseError("moonshot: the page mentions 返券 but not as '充值限时最高返券30%'")
    said = SENTENCE.search(m.string).group(1).strip()
    return merge([Offer(source=SLUG, vendor=VENDOR, provider=PROVIDER, offer="limited_discount", key="top-up-vouchers",
                        label="Vouchers back on top-ups for a limited time", scope="top_up",
                        percent=normal(m.group(1)), text=said)])  # fmt: skip
