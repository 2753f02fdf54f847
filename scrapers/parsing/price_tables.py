"""A priced table into observations: which columns hold the model, tier, unit and prices, and
how each row reads."""

import re
from dataclasses import dataclass, field, replace

from scrapers.base import Observation, ParseError
from scrapers.parsing.model_ids import dedupe, model_id
from scrapers.parsing.text import (
    NON_TOKEN_UNIT,
    NUMBER,
    clean,
    detect_currency,
    parse_price,
    per_million,
    unit_per,
)
from scrapers.parsing.tiers import TIER_LIKE, NotATier, parse_tier, tier_or_none

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
