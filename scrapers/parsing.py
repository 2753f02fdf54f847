"""Shared reading of pricing pages: clean text, amounts with units, prompt-length tiers, tables.

Pure functions of text; sources build on them. Nothing here touches the network or the database.
"""

import json
import re
import warnings
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from bs4 import BeautifulSoup, NavigableString, Tag, XMLParsedAsHTMLWarning

from .base import NeedsJavaScript, Observation, ParseError, first_per_slot

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


# --- HTML ---------------------------------------------------------------------------------------


def soup(text):
    with warnings.catch_warnings():  # an XML answer (an error document) is read as HTML and then rejected
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(text, "lxml")


def drop_struck(node):
    """Remove struck-through old prices (<del>, <s>, class line-through) so only the price is read."""
    for el in node.find_all(["del", "s", "strike"]):
        el.decompose()
    for el in node.find_all(class_=re.compile(r"line-through")):
        el.decompose()
    for el in node.find_all(style=re.compile(r"line-through")):
        el.decompose()
    return node


def cell_text(cell):
    for sup in cell.find_all("sup"):
        sup.decompose()
    drop_struck(cell)
    return clean(cell.get_text(" "))


def looks_like_js_shell(doc_text, page):
    """True for an application shell: no tables or price cards, little text, scripts doing the work."""
    body = page.body or page
    scripts = page.find_all("script")
    visible = clean(
        " ".join(
            s for s in body.find_all(string=True) if s.parent.name not in ("script", "style", "noscript")
        )
    )
    mount = page.find(id=re.compile(r"^(?:root|app|__next|__nuxt|main-app)$"))
    return (not page.find("table")) and len(visible) < 1500 and (bool(scripts) or mount is not None)


def require_markup(text, what):
    """Parse HTML, reporting an empty page or a JavaScript shell distinctly from a changed layout."""
    if not text or not text.strip():
        raise ParseError(f"{what}: the page is empty")
    page = soup(text)
    if looks_like_js_shell(text, page):
        raise NeedsJavaScript(
            f"{what}: the page is an application shell that needs JavaScript to render prices"
        )
    return page


@dataclass
class Table:
    """A table as a grid: `header[c]` joins every header row's label over column c."""

    header: list
    rows: list
    context: str = ""
    node: object = None
    extra: dict = field(default_factory=dict)

    def find(self, *patterns, exclude=None):
        """Index of the first column whose header matches any pattern (regex), or None."""
        for pattern in patterns:
            for i, label in enumerate(self.header):
                if re.search(pattern, label, re.I) and not (exclude and re.search(exclude, label, re.I)):
                    return i
        return None


def _is_placeholder(cell):
    # Some editors write the cells a rowspan covers as empty <td rowspan="0">; they are not cells.
    return (cell.get("rowspan") == "0" or cell.get("colspan") == "0") and not clean(cell.get_text())


def _span(cell, name):
    try:
        return max(1, int(cell.get(name) or 1))
    except ValueError:
        return 1


def table_grid(table):
    """Expand rowspans/colspans: a list of rows of (text, is_header) covering every slot."""
    grid, pending = [], {}  # pending: (row, col) -> text carried down by a rowspan
    trs = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    for r, tr in enumerate(trs):
        row, c = [], 0
        cells = [td for td in tr.find_all(["td", "th"], recursive=False) if not _is_placeholder(td)]
        for cell in cells:
            while (r, c) in pending:
                row.append(pending.pop((r, c)))
                c += 1
            text = (cell_text(cell), cell.name == "th" or cell.find_parent("thead") is not None)
            rs, cs = _span(cell, "rowspan"), _span(cell, "colspan")
            for dc in range(cs):
                row.append(text)
                for dr in range(1, rs):
                    pending[(r + dr, c + dc)] = text
            c += cs
        while (r, c) in pending:
            row.append(pending.pop((r, c)))
            c += 1
        grid.append(row)
    return grid, trs


def header_rows(table, trs):
    """How many leading rows are header rows: the thead, or the first row and those its rowspans cover."""
    thead = [tr for tr in trs if tr.find_parent("thead") is not None]
    if thead:
        return len(thead)
    if not trs:
        return 0
    first = [td for td in trs[0].find_all(["td", "th"], recursive=False) if not _is_placeholder(td)]
    n = max([_span(td, "rowspan") for td in first] or [1])
    while n < len(trs) and all(td.name == "th" for td in trs[n].find_all(["td", "th"], recursive=False)):
        n += 1
    return n


def _join_labels(labels):
    out = []
    for label in labels:
        if label and label not in out:
            out.append(label)
    return " ".join(out)


def html_tables(page, *, context_of=None):
    """Every <table> of the page as a Table; tables whose header sits in a separate <table>
    (fixed-header widgets) are joined to the body table that follows."""
    tables, carry = [], None
    for node in page.find_all("table"):
        if node.find_parent("table") is not None:
            continue
        grid, trs = table_grid(node)
        if not grid:
            continue
        width = max(len(r) for r in grid)
        marked = [cell[1] for row in grid for cell in row]
        if all(marked):  # header-only table (a fixed-header widget): its body is the next table
            carry = [_join_labels([row[c][0] for row in grid if c < len(row)]) for c in range(width)]
            continue
        if carry is not None and not any(marked):
            header, body = carry, grid
        else:
            n = header_rows(node, trs)
            header = [_join_labels([row[c][0] for row in grid[:n] if c < len(row)]) for c in range(width)]
            body = grid[n:]
        carry = None
        rows = [[text for text, _ in row] for row in body]
        tables.append(
            Table(header=header, rows=rows, node=node, context=context_of(node) if context_of else "")
        )
    return tables


HEADING = re.compile(r"^h[1-6]$")


def is_heading(tag):
    if not isinstance(tag, Tag):
        return False
    if HEADING.match(tag.name or ""):
        return True
    return any(re.match(r"heading-h[1-6]$", c) for c in (tag.get("class") or []))


def heading_level(tag):
    if HEADING.match(tag.name or ""):
        return int(tag.name[1])
    for c in tag.get("class") or []:
        m = re.match(r"heading-h([1-6])$", c)
        if m:
            return int(m.group(1))
    return 6


def headings_before(node, limit=4):
    """Texts of the nearest preceding headings, nearest first, one per level going up."""
    out, level = [], 7
    for h in node.find_all_previous(is_heading):
        lv = heading_level(h)
        if lv < level:
            out.append(clean(h.get_text(" ")))
            level = lv
            if len(out) >= limit or lv == 1:
                break
    return out


# --- markdown / MDX ------------------------------------------------------------------------------


def _md_cell(text):
    text = re.sub(r"~~.*?~~", " ", text)  # struck-through old price
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    text = re.sub(r"<span[^>]*>.*?</span>", " ", text, flags=re.I)  # badges such as "Permanent 50% off"
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("\\$", "$").replace("**", "").replace("\\*", "*")
    text = re.sub(r"(?<=\S)\*(?=\s|$)", "", text)  # footnote star
    return clean(text)


def markdown_tables(text):
    """Pipe tables and MDX <DocTable columns=... rows=...> blocks as Tables (context: the headings)."""
    tables, lines = [], text.splitlines()
    headings, i = [], 0
    while i < len(lines):
        line = lines[i].strip()
        hm = re.match(r"^(#{1,6})\s+(.*)", line)
        if hm:
            level = len(hm.group(1))
            headings = [h for h in headings if h[0] < level] + [(level, clean(hm.group(2)))]
        if "</Tab>" in line:
            headings = [h for h in headings if h[0] < 7]
        tab = re.search(r'<Tab\s+title="([^"]*)"', line)
        if tab:
            headings = [h for h in headings if h[0] < 7] + [(7, clean(tab.group(1)))]
        if line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|?\s*:?-{2,}", lines[i + 1].strip()):
            header = [_md_cell(c) for c in line.strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append([_md_cell(c) for c in lines[i].strip().strip("|").split("|")])
                i += 1
            tables.append(Table(header=header, rows=rows, context=" / ".join(h[1] for h in headings)))
            continue
        i += 1
    for m in re.finditer(r"<DocTable\s+columns=\{\[(.*?)\]\}\s+rows=\{\[(.*?)\]\}\s*/>", text, re.S):
        header = [clean(t) for t in re.findall(r'title:\s*"([^"]*)"', m.group(1))]
        rows = []
        for row in re.findall(r"^\s*\[(.*)\],?\s*$", m.group(2), re.M):
            cells = []
            for cell in re.findall(r'<>(.*?)</>|"((?:[^"\\]|\\.)*)"', row):
                frag = cell[0] or cell[1]
                frag = re.sub(r'\{"([^"]*)"\}', r"\1", frag)
                cells.append(clean(frag))
            rows.append(cells)
        tables.append(Table(header=header, rows=rows, context="DocTable"))
    return tables


# --- JSON ------------------------------------------------------------------------------------------


def load_json(text, what):
    if not text or not text.strip():
        raise ParseError(f"{what}: the document is empty")
    try:
        return json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as exc:
        raise ParseError(f"{what}: not JSON ({exc.msg} at line {exc.lineno})") from None


# --- model ids -------------------------------------------------------------------------------------

MODEL_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9._:/\-]*[A-Za-z0-9]|[A-Za-z]")


def model_id(text, *, words=False):
    """The API model id at the start of a cell: "qwen3.8-max Batch调用 半价" -> "qwen3.8-max".

    With words=True, leading ASCII words join with hyphens ("Hy3 preview" -> "hy3-preview").
    """
    t = clean(text)
    if words:
        m = re.match(r"[A-Za-z0-9][A-Za-z0-9._\-]*(?:\s+[A-Za-z0-9][A-Za-z0-9._\-]*)*", t)
        if not m:
            return None
        return re.sub(r"\s+", "-", m.group(0)).lower()
    m = MODEL_TOKEN.match(t)
    return m.group(0).lower() if m else None


def international(observations, *, home_currency="CNY"):
    """A vendor whose home prices are in `home_currency` publishes its international prices on
    another site in another currency (Z.ai, Kimi and MiniMax in English, Tencent Cloud
    international): a page whose every price is in another currency is that international page,
    and its rows are region "intl". A page with any home-currency price keeps region None."""
    if observations and all(o.currency != home_currency for o in observations):
        return [replace(o, region="intl") for o in observations]
    return observations


def dedupe(observations):
    """First observation per slot wins (see base.first_per_slot)."""
    return first_per_slot(observations)


def text_nodes(node):
    return [s for s in node.descendants if isinstance(s, NavigableString)]


# --- a priced table -> observations ----------------------------------------------------------------

COL_MODEL = (
    r"^模型名称",
    r"model ?id",
    r"模型 ?id",
    r"^模型$",
    r"^model$",
    r"^models?\b",
    r"^模型",
    r"名称$",
    r"^产品名",
)
COL_TIER = (
    r"条件",
    r"condition",
    r"输入长度",
    r"prompt (?:length|tokens)",
    r"token ?(?:数|范围)",
    r"输入token",
    r"input (?:length|tokens)",
    r"tier",
    r"上下文",
    r"context",
)
COL_UNIT = (r"计费单位", r"^unit$", r"billing unit")
COL_CACHED = (
    r"缓存命中",
    r"cache hit",
    r"cached input",
    r"缓存读取",
    r"cach\w* read",
    r"缓存输入",
    r"input.*cache",
)
COL_INPUT = (r"输入", r"input", r"prompt")
COL_OUTPUT = (r"输出", r"output", r"completion")
COL_SINGLE = (r"^单价", r"^价格", r"^price", r"^pricing$", r"单价$", r"推理价格")
COL_ITEM = (r"计费项", r"billing item")
NOT_TEXT = r"(?<!非)音频|(?<!non-)audio|图片|图像|视频|image|video|存储|storage|写入|write|batch|批量|离线|精调|微调|训练|training"


@dataclass
class Columns:
    model: int
    prices: dict
    tier: int | None = None
    unit: int | None = None
    item: int | None = None
    # Output priced per thinking mode in columns of its own ("输出单价 非思考模式" / "思考模式"):
    # {"non_thinking": col, "thinking": col}; empty when the table does not split it.
    output_modes: dict = field(default_factory=dict)


NON_THINKING = re.compile(r"非思考模式|non-?thinking mode", re.I)
THINKING = re.compile(r"(?<!非)思考模式|(?<!non-)(?<!non)thinking mode", re.I)


def _output_modes(table, prices):
    """The output columns per mode when the header splits output into a non-thinking and a
    thinking column (the first output column found is then the non-thinking one)."""
    if "output" not in prices or not NON_THINKING.search(table.header[prices["output"]]):
        return {}
    for i, label in enumerate(table.header):
        if (i != prices["output"] and re.search(r"输出|output", label, re.I)
                and THINKING.search(label) and not NON_THINKING.search(label)):  # fmt: skip
            return {"non_thinking": prices["output"], "thinking": i}
    return {}


def find_columns(table, *, what):
    """Column roles from header labels, or ParseError naming what is missing."""
    model = table.find(*COL_MODEL)
    if model is None:
        raise ParseError(f"{what}: no model column in a table headed {table.header!r}")
    taken = {model}
    tier = table.find(*COL_TIER, exclude=r"单价|价格|price|缓存|cache")
    unit = table.find(*COL_UNIT)
    taken |= {tier, unit}
    prices = {}
    cached = table.find(*COL_CACHED, exclude=NOT_TEXT)
    if cached is not None and cached not in taken and not NON_TOKEN_UNIT.search(table.header[cached]):
        prices["cached_input"] = cached
        taken.add(cached)
    for kind, patterns in (("input", COL_INPUT), ("output", COL_OUTPUT)):
        for i, label in enumerate(table.header):
            if (
                i in taken
                or re.search(
                    NOT_TEXT
                    + r"|缓存(?!未命中)|cach\w*\b(?! miss)|长度|length|规格|spec|输入模态|modalit|方式|格式|format|功能|说明|\bmax\b|最大|上限|limit",
                    label,
                    re.I,
                )
                or NON_TOKEN_UNIT.search(label)
            ):
                continue
            if any(re.search(p, label, re.I) for p in patterns):
                prices[kind] = i
                taken.add(i)
                break
    if "input" not in prices and "output" not in prices:
        single = next((i for i, label in enumerate(table.header) if i not in taken and
                       any(re.search(p, label, re.I) for p in COL_SINGLE) and not re.search(NOT_TEXT, label, re.I)
                       and not NON_TOKEN_UNIT.search(label)), None)  # fmt: skip
        if single is not None:
            prices["single"] = single
    if not prices:
        raise ParseError(f"{what}: no input/output price columns in a table headed {table.header!r}")
    return Columns(model=model, prices=prices, tier=tier, unit=unit, item=table.find(*COL_ITEM),
                   output_modes=_output_modes(table, prices))  # fmt: skip


def is_price_table(table):
    try:
        find_columns(table, what="")
    except ParseError:
        return False
    return True


OUTPUT_BAND = re.compile(r"(?:输出长度|output length)", re.I)


def output_band(text, *, default_unit=None, what="price"):
    """The reply-length band a condition cell states, as inclusive (min, max) token counts, or
    (None, None) when it states none: "输入长度 [0, 32) 输出长度 [0.2+)" in a table headed in K
    tokens is (200, None); Volcano's "且输出长度 [0, 0.2]" is (None, 200), "(0.2,+∞)" (201, None)."""
    parts = OUTPUT_BAND.split(clean(text), maxsplit=1)
    if len(parts) < 2:
        return None, None
    try:
        return parse_tier(parts[1], default_unit=default_unit)
    except NotATier:
        raise ParseError(f"{what}: cannot read the reply-length band {text!r}") from None


_LABELLED_PRICE = re.compile(rf"(?:US\$|[$¥￥])\s*{NUMBER}|{NUMBER}\s*(?:元|美元|USD|CNY)")


def _kind_word(text):
    if re.search(r"缓存命中|cache hit|cached", text, re.I):
        return "cached_input"
    if re.search(r"输出|output|completion", text, re.I):
        return "output"
    if re.search(r"输入|input|prompt", text, re.I):
        return "input"
    return None


def split_labelled_prices(cell):
    """{kind: text} for a cell holding several prices each labelled input / output / cached
    ("$5.00 / 1M input tokens $15.00 / 1M output tokens", "输入：0.03元/千tokens 输出：0.1元/千tokens"),
    or None for a cell with one price."""
    t = clean(cell)
    found = list(_LABELLED_PRICE.finditer(t))
    if len(found) < 2:
        return None
    before = t[: found[0].start()]
    labels_first = _kind_word(before) is not None
    out = {}
    for i, m in enumerate(found):
        if labels_first:
            label = t[found[i - 1].end() if i else 0 : m.start()]
            end = found[i + 1].start() if i + 1 < len(found) else len(t)
            text = t[m.start() : end]
        else:
            end = found[i + 1].start() if i + 1 < len(found) else len(t)
            label = text = t[m.start() : end]
            label = label[m.end() - m.start() :]
        kind = _kind_word(label)
        if kind is None:
            return None  # several prices, not all labelled: not a cell this reads
        text = re.sub(
            r"[\s;；,，]*(?:缓存命中|cached input|输出|输入|output|input)\W*$", "", text, flags=re.I
        )
        out.setdefault(kind, re.sub(r"[;；,，]\s*$", "", text).strip())
    return out if len(out) > 1 else None


def _item_kinds(item):
    """The price kinds of a billing-item cell ("文本输入", "输出", "输入/输出", "input (cache hit)");
    empty for one that is not a text token price (audio, images, cache storage)."""
    if re.search(NOT_TEXT, item, re.I):
        return []
    if re.search(r"缓存命中|cache hit|cached|cache read|缓存读取", item, re.I):
        return ["cached_input"]
    if re.search(r"缓存|cach", item, re.I):
        return []
    kinds = []
    if re.search(r"输入|input|prompt", item, re.I):
        kinds.append("input")
    if re.search(r"输出|output|completion", item, re.I):
        kinds.append("output")
    if not kinds and re.search(r"文本|text", item, re.I):
        kinds.append("input")
    return kinds


def read_table(
    table,
    cols,
    *,
    source,
    vendor,
    provider,
    what,
    default_currency=None,
    default_per=1_000_000,
    model_words=False,
    model_kind="chat",
):
    """Observations of one priced table. Rows without a model id are skipped; a price cell that
    is text raises ParseError."""
    header_text = " ".join(table.header)
    price_cols = set(cols.prices.values())
    seen = [detect_currency(row[c]) for row in table.rows for c in price_cols if c < len(row)]
    table_currency = next((c for c in seen if c), None)
    single = cols.prices.get("single")
    single_is_token = single is not None and bool(
        unit_per(table.header[single])
        or any(unit_per(row[single]) for row in table.rows if single < len(row))
        or (
            cols.unit is not None
            and any(unit_per(row[cols.unit]) for row in table.rows if cols.unit < len(row))
        )
    )
    out = []
    for r, row in enumerate(table.rows):
        if cols.model >= len(row):
            continue
        model = model_id(row[cols.model], words=model_words)
        if not model:
            continue
        tier = band = (None, None)
        if cols.tier is not None and cols.tier < len(row):
            cell = row[cols.tier]
            default_unit = 1000 if re.search(r"千|\bk\b", table.header[cols.tier], re.I) else None
            band = output_band(cell, default_unit=default_unit, what=f"{what}: {model}")
            cell = OUTPUT_BAND.split(cell)[0]
            try:
                tier = parse_tier(cell, default_unit=default_unit)
            except NotATier:
                if TIER_LIKE.search(cell) and re.search(r"\d", cell):
                    raise ParseError(f"{what}: {model}: cannot read the prompt tier {cell!r}") from None
                tier = (None, None)  # a context size ("128K"), not a condition
        elif re.search(
            r"[≤<>≥~]|上下文|context|input|prompt|输入|长度|以上|以下",
            rest := clean(row[cols.model])[len(model) :],
            re.I,
        ):
            tier = tier_or_none(rest) or (
                None,
                None,
            )  # "MiniMax-M3 上下文 ≤ 512K": the tier sits in the name cell
        row_per = unit_per(row[cols.unit]) if cols.unit is not None and cols.unit < len(row) else None
        kinds = dict(cols.prices)
        row_kind = (
            "embedding"
            if re.search(r"embed|向量", model + " " + clean(row[cols.model]), re.I)
            else model_kind
        )
        if row_kind == "embedding":  # an embedding model has an input price only
            kinds.pop("output", None)
            kinds.pop("cached_input", None)
        if "single" in kinds and not single_is_token:
            continue  # one price per image, video or use: not a token price
        if "single" in kinds:
            col = kinds.pop("single")
            item = row[cols.item] if cols.item is not None and cols.item < len(row) else ""
            if item:  # one row per billing item: "文本输入", "输出", "input (cache hit)"
                kinds = {k: col for k in _item_kinds(item) if row_kind != "embedding" or k == "input"}
            elif split := split_labelled_prices(row[col]):
                # "$5.00 / 1M input tokens $15.00 / 1M output tokens": one cell, both prices
                row, kinds = list(row), {}
                for kind, text in split.items():
                    if row_kind != "embedding" or kind == "input":
                        kinds[kind] = len(row)
                        row.append(text)
            else:
                kinds = {"input": col} if row_kind == "embedding" else {"input": col, "output": col}
        priced = [(kind, col, None) for kind, col in kinds.items()]
        if cols.output_modes and "output" in kinds:
            priced = [p for p in priced if p[0] != "output"]
            priced += [("output", col, mode) for mode, col in cols.output_modes.items()]
        found = []
        for kind, col, mode in priced:
            if col >= len(row):
                continue
            cell, label = row[col], table.header[col] if col < len(table.header) else table.header[single]
            if NON_TOKEN_UNIT.search(cell):
                continue
            amount = parse_price(cell, what=f"{what}: {model} {kind} (row {r + 1}, column {label!r})")
            if amount is None:
                continue
            per = unit_per(cell) or row_per or unit_per(label) or unit_per(header_text) or default_per
            currency = (amount.currency or detect_currency(label) or detect_currency(header_text)
                        or table_currency or default_currency)  # fmt: skip
            if currency is None:
                raise ParseError(f"{what}: no currency for {model} {kind} ({cell!r})")
            found.append(Observation(
                source=source, vendor=vendor, provider=provider, model=model, kind=kind,
                amount=per_million(amount.value, per), currency=currency,
                tier_min_input_tokens=tier[0], tier_max_input_tokens=tier[1], model_kind=row_kind,
                tier_min_output_tokens=band[0], tier_max_output_tokens=band[1], mode=mode,
            ))  # fmt: skip
        out += _merge_equal_modes(found)
    return out


def _merge_equal_modes(found):
    """A row whose thinking and non-thinking output prices are equal prices output in any mode:
    one observation with mode None instead of two."""
    by_mode = {o.mode: o for o in found if o.kind == "output" and o.mode}
    if len(by_mode) == 2 and len({o.amount for o in by_mode.values()}) == 1:
        merged = replace(by_mode["non_thinking"], mode=None)
        return [o for o in found if not (o.kind == "output" and o.mode)] + [merged]
    return found


def looks_like_html(text):
    head = text.lstrip()[:5000]
    return head.startswith("<") or bool(re.search(r"<(?:html|body|!doctype)\b", head, re.I))


def page_tables(text, what, *, context_of=None):
    """Tables of an HTML page, or of a markdown/MDX page; a JavaScript shell or empty page raises."""
    if not text or not text.strip():
        raise ParseError(f"{what}: the page is empty")
    if looks_like_html(text):
        page = require_markup(text, what)
        return html_tables(page, context_of=context_of or (lambda n: " / ".join(headings_before(n))))
    return markdown_tables(text)


def observe_tables(tables, *, source, vendor, provider, what, skip_context=None, skip_header=None, **kwargs):
    """Observations of every priced table not in a skipped section; ParseError when none is left."""
    priced = [t for t in tables if is_price_table(t)]
    if not priced:
        raise ParseError(f"{what}: no table with a model column and input/output price columns")
    out = []
    for table in priced:
        nearest = table.context.split(" / ")[0] if table.context else ""
        if skip_context is not None and skip_context.search(nearest):
            continue
        if skip_header is not None and skip_header.search(" ".join(table.header)):
            continue
        cols = find_columns(table, what=what)
        out += read_table(table, cols, source=source, vendor=vendor, provider=provider, what=what, **kwargs)
    if not out:
        raise ParseError(f"{what}: the pricing tables have no model rows")
    return dedupe(out)


def struck_text(cell):
    """A cell's struck-through figure (the old or list price beside the price shown), else its
    text. Leaves the cell untouched (cell_text removes struck elements)."""
    struck = cell.find_all(["del", "s", "strike"]) + cell.find_all(class_=re.compile(r"line-through"))
    struck += cell.find_all(style=re.compile(r"line-through"))
    return clean(" ".join(el.get_text(" ") for el in struck)) if struck else clean(cell.get_text(" "))


def grid_tables(page, *, context_of=None, text_of=cell_text):
    """Price "tables" drawn with CSS grids of divs: a header grid followed by sibling row grids that
    share its grid-template-columns; each child element is one cell, read by `text_of`."""
    tables, done = [], set()
    for grid in page.find_all(style=re.compile(r"grid-template-columns")):
        if id(grid) in done:
            continue
        style = grid.get("style")
        siblings = [grid] + [
            s for s in grid.find_next_siblings() if isinstance(s, Tag) and s.get("style") == style
        ]
        for s in siblings:
            done.add(id(s))
        if len(siblings) < 2:
            continue
        cells = [[text_of(c) for c in s.find_all(recursive=False)] for s in siblings]
        tables.append(Table(header=cells[0], rows=cells[1:], node=grid,
                            context=context_of(grid) if context_of else ""))  # fmt: skip
    return tables
