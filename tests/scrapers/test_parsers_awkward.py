"""Small pages written for the awkward cases: a parser either reads them right or says what is
missing; it never guesses."""

from decimal import Decimal as D

import pytest

from scrapers.base import NeedsJavaScript, ParseError
from scrapers.parsing import parse_price, parse_tier
from scrapers.sources import (
    alibaba,
    deepseek,
    ecb,
    litellm,
    minimax,
    moonshot,
    openai,
    openrouter,
    volcengine,
    zhipu,
)

from .conftest import by_slot


def test_deepseek_english_keeps_peak_rows_in_usd(fixture_text):
    got = by_slot(deepseek.parse(fixture_text("deepseek-en-peak.html")))
    # PEAK rows: cache hit $0.07 / $0.14, cache miss $0.27 / $0.55, output $1.10 / $2.19; OFF-PEAK rows dropped
    assert got == {
        ("deepseek-chat", "cached_input", None, None, "USD"): D("0.07"),
        ("deepseek-chat", "input", None, None, "USD"): D("0.27"),
        ("deepseek-chat", "output", None, None, "USD"): D("1.10"),
        ("deepseek-reasoner", "cached_input", None, None, "USD"): D("0.14"),
        ("deepseek-reasoner", "input", None, None, "USD"): D("0.55"),
        ("deepseek-reasoner", "output", None, None, "USD"): D("2.19"),
    }


def test_deepseek_english_peak_inside_cells(fixture_text):
    got = by_slot(deepseek.parse(fixture_text("deepseek-en-cells.html")))
    # "$0.07 (PEAK) $0.035 (OFF-PEAK)" -> 0.07; "PEAK $0.55 OFF-PEAK $0.135" -> 0.55; shared output cell $1.10
    assert got[("deepseek-chat", "cached_input", None, None, "USD")] == D("0.07")
    assert got[("deepseek-reasoner", "input", None, None, "USD")] == D("0.55")
    assert got[("deepseek-reasoner", "output", None, None, "USD")] == D("1.10")


def test_missing_table_names_what_is_missing(fixture_text):
    with pytest.raises(ParseError, match="no table with a model column"):
        moonshot.parse(fixture_text("kimi-no-table.html"))
    with pytest.raises(ParseError, match="no table whose first cell is 模型/MODEL"):
        deepseek.parse(fixture_text("kimi-no-table.html"))


def test_renamed_model_column_is_a_parse_error(fixture_text):
    with pytest.raises(ParseError, match="model column"):
        moonshot.parse(fixture_text("kimi-renamed-column.html"))


def test_price_that_is_text_is_a_parse_error(fixture_text):
    with pytest.raises(ParseError, match="'待定' is not a price"):
        moonshot.parse(fixture_text("kimi-text-price.html"))


@pytest.mark.parametrize("module", [openai, deepseek, zhipu, moonshot, alibaba, volcengine, minimax, litellm,
                                    openrouter, ecb])  # fmt: skip
@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_page_is_a_parse_error(module, text):
    with pytest.raises(ParseError, match="empty"):
        module.parse(text)


@pytest.mark.parametrize("module", [zhipu, moonshot, openai, deepseek, volcengine, minimax])
def test_javascript_shell_is_reported_as_such(module, fixture_text):
    with pytest.raises(NeedsJavaScript, match="needs JavaScript"):
        module.parse(fixture_text("spa-shell.html"))


def test_page_in_another_encoding(fixture_text):
    # The fixture is GBK-encoded with <meta charset=gbk>; decode() follows the declaration.
    got = by_slot(volcengine.parse(fixture_text("volcengine-gbk.html")))
    # 在线推理（常规）: [0, 32] 0.80 / 0.16 / 2.00 and (32, 128] 1.20 / 0.16 / 16.00; 批量推理 skipped
    assert got == {
        ("doubao-seed-1.6", "input", None, 32000, "CNY"): D("0.80"),
        ("doubao-seed-1.6", "cached_input", None, 32000, "CNY"): D("0.16"),
        ("doubao-seed-1.6", "output", None, 32000, "CNY"): D("2.00"),
        ("doubao-seed-1.6", "input", 32001, 128000, "CNY"): D("1.20"),
        ("doubao-seed-1.6", "cached_input", 32001, 128000, "CNY"): D("0.16"),
        ("doubao-seed-1.6", "output", 32001, 128000, "CNY"): D("16.00"),
    }


def test_div_cards_drop_struck_prices(fixture_text):
    got = by_slot(minimax.parse(fixture_text("minimax-cards.html")))
    assert got[("minimax-m3", "input", None, 512000, "CNY")] == D("2.1")
    assert got[("minimax-m3", "input", 512001, 1000000, "CNY")] == D("4.2")
    assert got[("minimax-m3", "cached_input", None, 512000, "CNY")] == D("0.42")


def test_feed_that_is_not_json():
    with pytest.raises(ParseError, match="not JSON"):
        litellm.parse("<html>rate limited</html>")
    with pytest.raises(ParseError, match=r'expected \{"data"'):
        openrouter.parse('{"models": []}')


def test_ecb_without_rates():
    with pytest.raises(ParseError, match="no <Cube time"):
        ecb.parse('<?xml version="1.0"?><Envelope><Cube></Cube></Envelope>')


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("0-32K", (None, 32000)),
        ("32K<输入≤128K", (32001, 128000)),
        ("0<Token≤32K", (None, 32000)),
        ("<=272K", (None, 272000)),
        (">272K", (272001, None)),
        ("(0, 32]", (None, 32000)),
        ("输入长度 [0, 32)", (None, 31999)),
        ("输入长度 [32+)", (32000, None)),
        ("输入长度 32k+", (32001, None)),
        ("0 ≤ 输入长度 ＜ 32k", (None, 31999)),
        ("512K ~ 1M", (512001, 1000000)),
        ("≤ 512k input tokens", (None, 512000)),
    ],
)
def test_tier_labels(label, expected):
    assert parse_tier(label) == expected


@pytest.mark.parametrize(
    ("cell", "value", "currency"),
    [("¥6.50", D("6.50"), "CNY"), ("0.02元", D("0.02"), "CNY"), ("$0.035", D("0.035"), "USD"),
     ("原价 12元 限时5折", D("12"), "CNY"), ("免费", D("0"), None), ("5 元 / 百万Tokens", D("5"), "CNY")],
)  # fmt: skip
def test_price_cells(cell, value, currency):
    amount = parse_price(cell)
    assert (amount.value, amount.currency) == (value, currency)


def test_per_thousand_units_are_normalised_to_per_million():
    from scrapers.parsing import Table, find_columns, read_table

    table = Table(
        header=["模型", "输入 (元/千tokens)", "输出 (元/千tokens)"], rows=[["ernie-4.0", "0.12", "0.12"]]
    )
    obs = read_table(table, find_columns(table, what="t"), source="t", vendor="t", provider=None, what="t")
    # 0.12 CNY per 1K tokens x 1000 = 120 CNY per 1M tokens
    assert {o.amount for o in obs} == {D("120")}


def test_deepseek_layout_with_models_as_rows(fixture_text):
    got = by_slot(deepseek.parse(fixture_text("deepseek-models-as-rows.html")))
    # "deepseek-chat | 64K | 8K | $0.014 | $0.14 | $0.28": MAX OUTPUT TOKENS (8K) is not a price
    assert got == {
        ("deepseek-chat", "cached_input", None, None, "USD"): D("0.014"),
        ("deepseek-chat", "input", None, None, "USD"): D("0.14"),
        ("deepseek-chat", "output", None, None, "USD"): D("0.28"),
    }


def test_openai_page_without_astro_islands(fixture_text):
    got = by_slot(openai.parse(fixture_text("openai-plain-tables.html")))
    # the standard pane only: batch ($1.25 / $5.00) and fine-tuning ($3.75 / $15.00) are skipped
    assert got == {
        ("gpt-4o-2024-08-06", "input", None, None, "USD"): D("2.50"),
        ("gpt-4o-2024-08-06", "cached_input", None, None, "USD"): D("1.25"),
        ("gpt-4o-2024-08-06", "output", None, None, "USD"): D("10.00"),
    }
