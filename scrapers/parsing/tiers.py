"""Prompt-length tiers written in words or symbols ("≤32K", "32k < tokens ≤ 128k") as token bounds."""

import re

from scrapers.parsing.text import (
    NUMBER,
    clean,
    to_decimal,
)

# --- prompt-length tiers ------------------------------------------------------------------------

_UNIT = {"k": 1000, "千": 1000, "m": 1_000_000, "百万": 1_000_000, "万": 10_000}
_NUM = rf"({NUMBER})\s*(百万|千|万|[kKmM])?"
_VAR = re.compile(
    r"(?:单次请求的)?输入(?:长度|token数?|tokens?)?|input(?:\s+tokens?)?|上下文(?:长度)?|context(?:\s+length)?|"
    r"prompt(?:\s+tokens?)?|tokens?|length|长度|token数",
    re.I,
)


def _tokens(number, unit, default_unit):
    n = to_decimal(number)
    if unit:
        n *= _UNIT[unit.lower()]
    elif default_unit:
        n *= default_unit
    elif n < 1000:  # a tier of "32" tokens is a tier of 32K tokens whose unit sits in the header
        n *= 1000
    return int(n)


def _lower(value, inclusive):
    if value == 0:
        return None
    return value if inclusive else value + 1


def _upper(value, inclusive):
    return value if inclusive else value - 1


class NotATier(Exception):
    pass


_WORD_OPERATORS = (
    # "128K及以上" / "32K or more" / "32K and above": from 32K on
    (rf"{_NUM}\s*(?:及以上|以上\s*\(含\)|or more|and (?:above|more|over))", r"≥ \1\2"),
    (rf"{_NUM}\s*(?:以上|above)", r"> \1\2"),  # "128K以上" follows "0-128K": above 128K
    (rf"{_NUM}\s*(?:及以下|以下|以内)", r"≤ \1\2"),
    (rf"(?:above|over|more than|greater than|exceeding|超过|大于|高于)\s*{_NUM}", r"> \1\2"),
    (rf"(?:up to|within|not exceeding|at most|不超过|小于等于|至多)\s*{_NUM}", r"≤ \1\2"),
    (rf"(?:below|under|less than|小于|低于)\s*{_NUM}", r"< \1\2"),
)


def _words_to_operators(text):
    for pattern, operator in _WORD_OPERATORS:
        text = re.sub(pattern, operator, text, flags=re.I)
    return text


def parse_tier(text, *, default_unit=None):
    """A prompt-length condition -> (min, max) inclusive token counts, None meaning open.

    Reads "[0, 32)", "(32, 128]", "[32+)", "0<Token≤32K", "32K<输入≤128K", "0 ≤ 输入长度 < 32k",
    "输入长度 ≥ 32k", "<=272K", ">272K", "0-32K", "512K ~ 1M", "≤ 512k input tokens".
    Raises NotATier when the text holds no condition (e.g. a context size "128K" or "-").
    """
    t = clean(text).replace("<=", "≤").replace(">=", "≥").replace("+∞", "").replace("∞", "")
    t = _words_to_operators(t)
    t = _VAR.sub(" x ", t)
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"(?:\bx\b\s*)+", "x ", t).strip()
    n = _NUM
    # interval notation: [a, b) (a, b] [a+) [a, ) (a, +)
    m = re.search(rf"([\[(])\s*{n}\s*(?:,\s*(?:{n})?\s*|\+\s*|,\s*\+\s*)([\])])", t)
    if m:
        lo = _tokens(m.group(2), m.group(3), default_unit)
        hi = _tokens(m.group(4), m.group(5), default_unit) if m.group(4) else None
        return _lower(lo, m.group(1) == "["), (None if hi is None else _upper(hi, m.group(6) == "]"))
    # chained inequality: a < x ≤ b
    m = re.search(rf"{n}\s*(<|≤)\s*x?\s*(<|≤)\s*{n}", t)
    if m:
        lo = _tokens(m.group(1), m.group(2), default_unit)
        hi = _tokens(m.group(5), m.group(6), default_unit)
        return _lower(lo, m.group(3) == "≤"), _upper(hi, m.group(4) == "≤")
    m = re.search(rf"(>|≥)\s*{n}\D*?(<|≤)\s*{n}", t)
    if m:  # "32K以上 128K以下" -> "> 32K ≤ 128K"
        lo = _lower(_tokens(m.group(2), m.group(3), default_unit), m.group(1) == "≥")
        return lo, _upper(_tokens(m.group(5), m.group(6), default_unit), m.group(4) == "≤")
    m = re.search(rf"{n}\s*(<|≤)\s*x\s*$", t)
    if m:  # "128K < Token": a lower bound written first
        return _lower(_tokens(m.group(1), m.group(2), default_unit), m.group(3) == "≤"), None
    # one-sided: x ≤ b, < b, x > a, ≥ a, a+
    m = re.search(rf"(?:^|x\s*|\s|\()(<|≤)\s*{n}", t) or re.match(rf"^(<|≤)\s*{n}", t)
    if m:
        return None, _upper(_tokens(m.group(2), m.group(3), default_unit), m.group(1) == "≤")
    m = re.search(rf"(?:^|x\s*|\s|\()(>|≥)\s*{n}", t) or re.match(rf"^(>|≥)\s*{n}", t)
    if m:
        return _lower(_tokens(m.group(2), m.group(3), default_unit), m.group(1) == "≥"), None
    m = re.search(rf"{n}\s*\+", t)
    if m:  # a bare "32k+" follows a tier "(0, 32k]": it starts above 32k
        return _lower(_tokens(m.group(1), m.group(2), default_unit), False), None
    # dash range: "0-32K" "32K-128K" "512K ~ 1M" -> (a, b]
    m = re.search(rf"{n}\s*[-~至到]\s*{n}", t)
    if m:
        lo_unit = m.group(2) or m.group(4)  # "0-32K": the unit written once applies to both ends
        lo = _tokens(m.group(1), lo_unit, default_unit)
        hi = _tokens(m.group(3), m.group(4), default_unit)
        return _lower(lo, False), hi
    raise NotATier(text)


# A cell that states a condition on the prompt length, which must then be read, not dropped.
TIER_LIKE = re.compile(
    r"[<>≤≥\[\]()~]|\d\s*[-至到]\s*\d|以上|以下|以内|超过|above|over|up to|below|under|less|more", re.I
)


def tier_or_none(text, *, default_unit=None):
    try:
        return parse_tier(text, default_unit=default_unit)
    except NotATier:
        return None
