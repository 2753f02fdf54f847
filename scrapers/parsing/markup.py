"""Reading a page into tables: HTML (with CSS-grid tables and the headings above each table),
markdown/MDX, and JSON; a JavaScript shell or empty page raises."""

import json
import re
import warnings
from dataclasses import dataclass, field
from decimal import Decimal

from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning

from scrapers.base import NeedsJavaScript, ParseError
from scrapers.parsing.text import (
    clean,
)

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
