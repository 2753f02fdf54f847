"""Clean text and amounts: invisible and full-width characters, numbers, currencies, units and
prices per million tokens (`parse_price`)."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from scrapers.base import ParseError

# Zero-width and byte-order characters that editors leave inside table cells.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
FULLWIDTH = str.maketrans(
    {"（": "(", "）": ")", "，": ",", "＜": "<", "＞": ">", "≦": "≤", "≧": "≥", "［": "[", "］": "]",
     "～": "~", "：": ":", "＄": "$", "．": ".", "\u00a0": " ", "\u3000": " ", "–": "-", "—": "-",
     "\u2009": " ", "\u202f": " ", "\u2007": " "}
    # full-width ASCII ("０.８元", "ＧＬＭ-４"): U+FF01..U+FF5E sit 0xFEE0 above their ASCII forms
    | {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
)  # fmt: skip

PER_MILLION = Decimal(1_000_000)
NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"

# Cells that say "no price here" rather than giving one.
NO_PRICE = re.compile(
    r"^(?:-+|/|\\+|n/?a|none|—|不支持|暂不支持|暂无|not supported|unsupported|coming soon|敬请期待|"
    r"contact(?: us| sales)?|联系(?:我们|销售)?|即将上线|\*|x|✕|✗)$",
    re.I,
)
FREE = re.compile(r"^(?:免费|限时免费|free|不计费|free of charge)(?:\s*\(.*\))?$", re.I)
# Units that are not tokens: such a cell is a price, but not one of ours.
NON_TOKEN_UNIT = re.compile(
    r"/\s*(?:次|张|秒|分钟|小时|天|首|个|音色|GB|calls?|image|minute|second|hour|day|request|query|千次)|"
    r"字符|characters|per (?:image|minute|second|hour|call|request)|算力单元|TPM|积分",
    re.I,
)
CNY = re.compile(r"¥|￥|元|RMB|CNY|人民币", re.I)
USD = re.compile(r"\$|USD|美元|US\$", re.I)


def clean(text):
    """Collapse whitespace, drop invisible characters, normalise full-width punctuation."""
    if text is None:
        return ""
    text = str(text).translate(INVISIBLE).translate(FULLWIDTH)
    return re.sub(r"\s+", " ", text).strip()


def to_decimal(text):
    try:
        return Decimal(text.replace(",", ""))
    except (InvalidOperation, AttributeError):
        raise ParseError(f"{text!r} is not a number") from None


def detect_currency(text):
    if USD.search(text):
        return "USD"
    if CNY.search(text):
        return "CNY"
    return None


def unit_per(text):
    """Tokens a price in `text` is quoted per (1K, 10K or 1M), or None when it does not say."""
    t = clean(text).lower().replace(" ", "")
    if re.search(
        r"百万|1m(?:token|tokens|input|output|$|\))|/m(?:token|tokens)|permtokens|per1m|1,000,000|million|mtok",
        t,
    ):
        return 1_000_000
    if re.search(r"千(?:tokens?|token)|1k(?:tokens?)|/ktokens?|per1k|/千|每千|1,000tokens|thousand", t):
        return 1000
    if re.search(r"万(?:tokens?|token)|10k(?:tokens?)|/万", t):
        return 10_000
    return None


@dataclass
class Amount:
    value: Decimal
    currency: str | None


def parse_price(text, *, what="price"):
    """A price cell -> Amount (value as written, unit not applied), or None for "no price".

    Takes the figure next to a currency sign when a cell holds several figures ("原价 12元 限时5折"
    is 12); raises ParseError when the cell holds text that is no price at all.
    """
    t = clean(text)
    if not t or NO_PRICE.match(t):
        return None
    if FREE.match(t):
        return Amount(Decimal(0), None)
    currency = detect_currency(t)
    m = re.search(rf"(?:[$¥￥]|US\$|USD|CNY|RMB)\s*({NUMBER})", t) or re.search(
        rf"({NUMBER})\s*(?:元|美元|USD|CNY|RMB)", t
    )
    if m is None:
        m = re.fullmatch(rf"({NUMBER})(?:\s*/\s*(?:1?M|百万|千|1K)?\s*(?:tokens?|Tokens?))?", t)
    if m is None and (len(t) > 24 or re.search(r"[。；;!！?？]|免费|free", t, re.I)):
        return None  # a sentence of notes where a model has no price ("目前仅供免费体验...")
    if m is None:
        raise ParseError(f"{what}: {t!r} is not a price")
    return Amount(to_decimal(m.group(1)), currency)


def per_million(value, per):
    return value * PER_MILLION / Decimal(per)
