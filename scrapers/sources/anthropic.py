"""Anthropic's Claude API pricing (docs.claude.com "Pricing"), USD: three tables read by their headers.

    | Model             | Base Input Tokens | 5m Cache Writes | 1h Cache Writes | Cache Hits & Refreshes | Output Tokens |
    | Claude Opus 4.5   | $5 / MTok         | $6.25 / MTok    | $10 / MTok      | $0.50 / MTok | $25 / MTok    |
    ### Batch processing
    | Model             | Batch input      | Batch output    |
    | Claude Opus 4.5     | $2.50 / MTok     | $12.50 / MTok   |
    ### Long context pricing
    When using Claude Sonnet 4 or Sonnet 4.5 with the [1M token context window enabled](...), ...
    | ≤ 200K input tokens | > 200K input tokens |
    | Input: $3 / MTok | Input: $6 / MTok |

The model table gives input, 5-minute and 1-hour cache writes, cache hits (cached_input) and
output; the batch table gives service_tier "batch" input and output. The long-context table names
no model: the sentence above it does ("When using Claude Sonnet 4 or Sonnet 4.5 with ..."). Its
"> 200K" column is the prompt tier tier_min_input_tokens 200001 (the page: "If your request
exceeds 200K input tokens, all tokens incur premium pricing", so the whole request is priced at
that tier, which is how a prompt tier works); its "≤ 200K" column must equal the model table.
Prices the page only gives as a rule (long-context cache writes, batch cache prices) are not read
here: the seed builder writes them as derived rows.

Model names become the API ids: 4.x and later "Claude Opus 4.5" -> claude-opus-4-5 (the plain "4"
is the alias claude-opus-4-0); 3.x models by their dated snapshot ids. The page is the markdown of
the docs page (its recording) or the rendered HTML; both give the same tables.
"""

import re

from ..base import Observation, ParseError
from ..parsing import clean, dedupe, looks_like_html, page_tables, parse_price, soup, unit_per

SLUG = "anthropic"
KIND = "vendor"
VENDOR = "anthropic"
PROVIDER = "anthropic"
URLS = ["https://docs.claude.com/en/docs/about-claude/pricing"]

LONG_CONTEXT_MIN = 200_001  # "> 200K input tokens": 200K = 200,000 (the page's own example sums to it)

# Claude 3 models are called by dated snapshot ids (the docs' models overview).
CLAUDE_3 = {
    ("sonnet", "3.7"): "claude-3-7-sonnet-20250219",
    ("haiku", "3.5"): "claude-3-5-haiku-20241022",
    ("sonnet", "3.5"): "claude-3-5-sonnet-20241022",
    ("opus", "3"): "claude-3-opus-20240229",
    ("sonnet", "3"): "claude-3-sonnet-20240229",
    ("haiku", "3"): "claude-3-haiku-20240307",
}
# The first Claude 4 models are aliased with an explicit ".0".
ZERO_ALIASES = {("opus", "4"), ("sonnet", "4")}

MODEL_NAME = re.compile(r"(?:Claude\s+)?(Opus|Sonnet|Haiku)\s+(\d+(?:\.\d+)?)", re.I)
MAIN_COLUMNS = (
    ("input", r"base\s+input"),
    ("cache_write_5m", r"5\s*m(?:in)?\w*\s+cache\s+write"),
    ("cache_write_1h", r"1\s*h\w*\s+cache\s+write"),
    ("cached_input", r"cache\s+hits?"),
    ("output", r"output"),
)
BATCH_COLUMNS = (("input", r"batch\s+input"), ("output", r"batch\s+output"))


def model_slug(name):
    """The API id of a model named on the page ("Claude Sonnet 3.7 (deprecated)" -> its snapshot)."""
    m = MODEL_NAME.search(clean(name))
    if not m:
        raise ParseError(f"anthropic: {name!r} is not a Claude model name")
    family, version = m.group(1).lower(), m.group(2)
    major = int(version.split(".")[0])
    if major < 4:
        slug = CLAUDE_3.get((family, version))
        if slug is None:
            raise ParseError(f"anthropic: no known API id for Claude {family} {version}")
        return slug
    if (family, version) in ZERO_ALIASES:
        return f"claude-{family}-{version}-0"
    return f"claude-{family}-{version.replace('.', '-')}"


def _amount(cell, what):
    price = parse_price(cell, what=what)
    if price is None:
        return None
    if price.currency not in (None, "USD"):
        raise ParseError(f"{what}: {cell!r} is not in USD")
    if unit_per(cell) not in (None, 1_000_000):
        raise ParseError(f"{what}: {cell!r} is not a price per million tokens")
    return price.value


def _columns(table, wanted):
    cols = {kind: table.find(pattern) for kind, pattern in wanted}
    return cols if all(i is not None for i in cols.values()) else None


def _observe(model, kind, amount, **extra):
    return Observation(source=SLUG, vendor=VENDOR, provider=PROVIDER, model=model, kind=kind,
                       amount=amount, currency="USD", **extra)  # fmt: skip


def _read(table, cols, **extra):
    out = []
    model_col = table.find(r"^model")
    if model_col is None:
        raise ParseError(f"anthropic: the table under {table.context!r} has no Model column")
    for row in table.rows:
        if len(row) <= max(cols.values()):
            raise ParseError(f"anthropic: short row {row!r} under {table.context!r}")
        model = model_slug(row[model_col])
        for kind, i in cols.items():
            amount = _amount(row[i], f"anthropic {model} {kind}")
            if amount is not None:
                out.append(_observe(model, kind, amount, **extra))
    return out


def _long_context_models(text):
    """Models named in the sentence that introduces the long-context table."""
    if looks_like_html(text):
        text = soup(text).get_text(" ")
    m = re.search(r"When using (Claude .+?) with the .{0,80}?1M token context window", clean(text), re.I)
    if not m:
        raise ParseError("anthropic: no sentence saying which models the long-context prices are for")
    names = [clean(n) for n in re.split(r",|\bor\b|\band\b", m.group(1)) if clean(n)]
    return [model_slug(n) for n in names]


def _long_context(table, text, base):
    short = table.find(r"≤\s*200\s*K|<=\s*200\s*K")
    long_ = table.find(r">\s*200\s*K")
    if short is None or long_ is None:
        raise ParseError("anthropic: the long-context table has no ≤ 200K / > 200K columns")
    prices = {}
    for row in table.rows:
        for col, bound in ((short, "short"), (long_, "long")):
            label, _, cell = row[col].partition(":")
            kind = clean(label).lower()
            if kind not in ("input", "output"):
                raise ParseError(f"anthropic: long-context cell {row[col]!r} names neither input nor output")
            prices[(bound, kind)] = _amount(cell, f"anthropic long context {kind}")
    out = []
    for model in _long_context_models(text):
        for kind in ("input", "output"):
            if base.get((model, kind)) != prices.get(("short", kind)):
                raise ParseError(
                    f"anthropic: {model} {kind} is {base.get((model, kind))} in the model table but "
                    f"{prices.get(('short', kind))} up to 200K in the long-context table"
                )
            out.append(_observe(model, kind, prices[("long", kind)], tier_min_input_tokens=LONG_CONTEXT_MIN))
    return out


def parse(text):
    tables = page_tables(text, "anthropic")
    main, batch, long_ = [], [], None
    for table in tables:
        if cols := _columns(table, MAIN_COLUMNS):
            main += _read(table, cols)
        elif cols := _columns(table, BATCH_COLUMNS):
            batch += _read(table, cols, service_tier="batch")
        elif re.search(r">\s*200\s*K", " ".join(table.header)):
            long_ = table
    if not main:
        raise ParseError("anthropic: no model pricing table (Base Input Tokens ... Output Tokens)")
    if not batch:
        raise ParseError("anthropic: no batch pricing table (Batch input, Batch output)")
    if long_ is None:
        raise ParseError("anthropic: no long-context pricing table (> 200K input tokens)")
    base = {(o.model, o.kind): o.amount for o in main}
    return dedupe(main + batch + _long_context(long_, text, base))
