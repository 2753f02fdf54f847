"""offers.browse: currency conversion, free-token value, offer board, model table, compare, chart."""

import datetime as dt
from decimal import Decimal

import pytest

from offers.models import Price
from offers.web import browse
from tests.factories import ExchangeRateFactory, build_browse_catalog

pytestmark = pytest.mark.django_db

ON = dt.date(2024, 8, 1)


@pytest.fixture
def catalog():
    return build_browse_catalog()


# --- Converter ----------------------------------------------------------------------------------


def test_converter_uses_latest_rate_on_or_before_the_day():
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7"), date=dt.date(2024, 7, 1))
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.2"), date=dt.date(2024, 7, 20))
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("9"), date=dt.date(2024, 9, 1))  # after ON
    converter = browse.Converter.load(ON)
    # 10 USD x 7.2 (the 2024-07-20 rate, the latest on or before 2024-08-01) = 72 CNY
    assert converter.convert(Decimal("10"), "USD", "CNY") == Decimal("72.0")
    assert [r.date for r in converter.rates_used("USD", "CNY")] == [dt.date(2024, 7, 20)]


def test_converter_inverse_and_cross_rates():
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("8"), date=dt.date(2024, 7, 1))
    ExchangeRateFactory(base="EUR", quote="USD", rate=Decimal("1.25"), date=dt.date(2024, 7, 1))
    converter = browse.Converter.load(ON)
    # inverse: 16 CNY / 8 = 2 USD
    assert converter.convert(Decimal("16"), "CNY", "USD") == Decimal("2")
    # cross through USD: 2 EUR x 1.25 = 2.5 USD, x 8 = 20 CNY
    assert converter.convert(Decimal("2"), "EUR", "CNY") == Decimal("20")
    assert converter.convert(Decimal("5"), "JPY", "CNY") is None
    assert converter.convert(Decimal("5"), "CNY", "CNY") == Decimal("5")


def test_money_without_rate_keeps_its_currency_and_is_never_zero():
    converter = browse.Converter([], ON)
    money = browse.Money.of(Decimal("3"), "EUR", converter, "USD")
    assert (money.amount, money.currency, money.unconverted) == (Decimal("3"), "EUR", True)
    assert browse.Money.of(None, "EUR", converter, "USD").amount is None


# --- Offer board ----------------------------------------------------------------------------------


def test_free_token_value_in_cny_and_usd(catalog):
    cards = {c.program.slug: c for c in browse.offer_board(currency="CNY", on=ON)}
    move = cards["zhipu-move"]
    # 50M x 100 CNY/1M + 100M x 1 CNY/1M = 5000 + 100 = 5100 CNY
    assert move.free_tokens == 150_000_000
    assert move.value.money.amount == Decimal("5100")
    assert move.value.money.currency == "CNY"
    usd = {c.program.slug: c for c in browse.offer_board(currency="USD", on=ON)}["zhipu-move"]
    # 5100 CNY / 7 = 728.571428... USD
    assert usd.value.money.amount.quantize(Decimal("0.01")) == Decimal("728.57")
    assert usd.value.money.original == Decimal("5100")


def test_free_tokens_for_every_model_are_unknown_not_zero(catalog):
    old = {c.program.slug: c for c in browse.offer_board(currency="USD", on=ON)}["tencent-old"]
    assert old.free_tokens == 10_000_000
    assert old.value.money is None
    assert old.value.reason


def test_free_token_value_unknown_when_a_model_has_no_price(catalog):
    catalog["air"].prices.all().delete()
    move = {c.program.slug: c for c in browse.offer_board(currency="CNY", on=ON)}["zhipu-move"]
    assert move.value.money is None
    assert "GLM-4-Air" in move.value.reason


def test_offer_board_active_first_and_filters(catalog):
    cards = browse.offer_board(on=ON)
    assert [(c.program.slug, c.state) for c in cards] == [
        ("zhipu-move", "active"),
        ("tencent-old", "expired"),
    ]
    assert [c.program.slug for c in browse.offer_board(active_only=True, on=ON)] == ["zhipu-move"]
    assert [c.program.slug for c in browse.offer_board(vendor="tencent", on=ON)] == ["tencent-old"]
    assert [c.program.slug for c in browse.offer_board(benefit_kind="discount", on=ON)] == ["tencent-old"]
    assert [c.program.slug for c in browse.offer_board(benefit_kind="training", on=ON)] == ["zhipu-move"]
    # Before the Tencent programme ended it was active too; newest start first among actives.
    on_july = dt.date(2024, 7, 10)
    assert [c.state for c in browse.offer_board(on=on_july)] == ["active", "active"]
    assert [c.program.slug for c in browse.offer_board(on=on_july)] == ["tencent-old", "zhipu-move"]


def test_offer_board_sorts_by_tokens_and_vendor(catalog):
    assert [c.program.slug for c in browse.offer_board(sort="tokens", on=dt.date(2024, 7, 10))] == [
        "zhipu-move",
        "tencent-old",
    ]
    assert [c.program.slug for c in browse.offer_board(sort="vendor", on=ON)] == ["tencent-old", "zhipu-move"]


def test_unpublished_programmes_are_hidden(catalog):
    catalog["old"].is_published = False
    catalog["old"].save()
    assert [c.program.slug for c in browse.offer_board(on=ON)] == ["zhipu-move"]


# --- Model table -----------------------------------------------------------------------------------


def slugs(table):
    return [row.model.slug for row in table.page.object_list]


def test_model_table_sorts_by_converted_input_price(catalog):
    table = browse.model_table({"sort": "input"}, currency="USD", on=ON)
    # USD per 1M input: embedding-3 0.5/7=0.071, glm-4-air 1/7=0.143, glm-long 2/7=0.286,
    # gpt-4o 2.50, hunyuan-pro 30/7=4.29, glm-4 100/7=14.29; acme (EUR, no rate) last.
    assert slugs(table) == [
        "embedding-3",
        "glm-4-air",
        "glm-long",
        "gpt-4o",
        "hunyuan-pro",
        "glm-4",
        "acme-1.5/chat:latest",
    ]
    table = browse.model_table({"sort": "-input"}, currency="CNY", on=ON)
    assert slugs(table)[:2] == ["glm-4", "hunyuan-pro"]
    assert slugs(table)[-1] == "acme-1.5/chat:latest"


def test_model_table_filters(catalog):
    assert slugs(browse.model_table({"vendor": "zhipu", "kind": "chat"}, on=ON)) == [
        "glm-4",
        "glm-4-air",
        "glm-long",
    ]
    assert slugs(browse.model_table({"capability": "tools"}, on=ON)) == ["glm-4", "gpt-4o"]
    assert slugs(browse.model_table({"min_context": 128000, "sort": "-context"}, on=ON)) == [
        "glm-long",
        "glm-4",
        "gpt-4o",
    ]
    assert slugs(browse.model_table({"q": "智谱", "kind": "embedding"}, on=ON)) == ["embedding-3"]
    # Max input 2.50 USD: gpt-4o (2.50) stays, hunyuan-pro (4.29) and glm-4 (14.29) go; acme has
    # no USD price (no EUR rate) so it cannot satisfy a maximum either.
    assert slugs(
        browse.model_table({"max_input": Decimal("2.5"), "sort": "input"}, currency="USD", on=ON)
    ) == [
        "embedding-3",
        "glm-4-air",
        "glm-long",
        "gpt-4o",
    ]
    # Max output 10 CNY: glm-4-air (1 CNY); gpt-4o output is 10 USD = 70 CNY.
    assert slugs(browse.model_table({"max_output": Decimal("10")}, currency="CNY", on=ON)) == ["glm-4-air"]
    # OpenAI-compatible vendors only: Tencent (no) and Acme (unknown) drop out.
    compatible = slugs(browse.model_table({"compatible": True}, on=ON))
    assert "hunyuan-pro" not in compatible
    assert "acme-1.5/chat:latest" not in compatible
    assert "gpt-4o" in compatible


def test_model_table_paginates(catalog):
    table = browse.model_table({}, page=2, per_page=3, on=ON)
    assert table.total == 7
    # by name: Acme 1, Embedding-3, GLM-4 | GLM-4-Air, GLM-Long, GPT-4o | Hunyuan Pro
    assert slugs(table) == ["glm-4-air", "glm-long", "gpt-4o"]
    assert table.page.paginator.num_pages == 3


def test_model_table_prices_show_tiers_and_ignore_pending(catalog):
    rows = {r.model.slug: r for r in browse.model_table({}, currency="CNY", on=ON).page.object_list}
    long = rows["glm-long"].prices
    assert long.tiered
    assert [r.price.amount for r in long.rows[Price.Kind.INPUT]] == [Decimal("2"), Decimal("4")]
    assert rows["glm-4-air"].prices.input.price.amount == Decimal("1")  # not the pending 0.01
    assert rows["glm-long"].prices.output is None


# --- Vendor page, snippet ----------------------------------------------------------------------------


def test_vendor_page_snippet_uses_mapped_model(catalog):
    page = browse.vendor_page(catalog["zhipu"], openai_model="gpt-4o", currency="USD", on=ON)
    snippet = page.snippet
    assert snippet.model.slug == "glm-4"
    assert 'base_url="https://open.bigmodel.cn/api/paas/v4/"' in snippet.python
    assert 'os.environ["ZHIPU_API_KEY"]' in snippet.python
    assert 'model="glm-4",  # was "gpt-4o"' in snippet.python
    assert "process.env.ZHIPU_API_KEY" in snippet.node
    assert 'curl "https://open.bigmodel.cn/api/paas/v4/chat/completions"' in snippet.curl
    assert "$ZHIPU_API_KEY" in snippet.curl
    assert [c.program.slug for c in page.programs] == ["zhipu-move"]


def test_vendor_page_unknown_openai_model_falls_back(catalog):
    page = browse.vendor_page(catalog["zhipu"], openai_model="nonsense", on=ON)
    assert page.openai_model == "gpt-4o"


# --- Compare -------------------------------------------------------------------------------------------


def test_compare_ratio_to_openai_model(catalog):
    keys = browse.parse_model_keys(["zhipu/glm-4", "zhipu/glm-4-air", "zhipu/glm-4", "bad", "nope/x"])
    assert keys == [("zhipu", "glm-4"), ("zhipu", "glm-4-air"), ("nope", "x")]
    result = browse.compare(keys, baseline="gpt-4o", currency="USD", on=ON)
    glm4, air = result.columns
    # glm-4 input 100 CNY = 100/7 USD = 14.2857; / 2.50 = 5.714...
    assert glm4.input_ratio.quantize(Decimal("0.001")) == Decimal("5.714")
    # glm-4-air output 1 CNY = 1/7 USD; / 10 USD = 0.0142857...
    assert air.output_ratio.quantize(Decimal("0.0001")) == Decimal("0.0143")
    assert [p.slug for p in glm4.programs] == ["zhipu-move"]
    assert result.missing == ["nope/x"]
    assert result.baseline.slug == "gpt-4o"


def test_compare_keeps_at_most_four_models(catalog):
    keys = [
        ("zhipu", "glm-4"),
        ("zhipu", "glm-4-air"),
        ("zhipu", "glm-long"),
        ("tencent", "hunyuan-pro"),
        ("openai", "gpt-4o"),
    ]
    assert len(browse.compare(keys, on=ON).columns) == 4


def test_compare_ratio_unknown_without_rate(catalog):
    result = browse.compare([("acme", "acme-1.5/chat:latest")], currency="USD", on=ON)
    assert result.columns[0].input_ratio is None


# --- Price history chart ---------------------------------------------------------------------------------


def test_price_chart_draws_steps_per_slot(catalog):
    page = browse.model_page(catalog["glm4"], currency="USD", on=ON)
    assert [p.amount for p, _money in page.history] == [Decimal("100"), Decimal("100"), Decimal("120")]
    chart = page.chart
    assert chart.currency == "CNY"
    assert [s.kind for s in chart.series] == ["input", "output"]
    # input: two steps (120 until 2024-06-01, then 100), one path segment each
    assert chart.series[0].path.count("M") == 2
    assert chart.start == dt.date(2024, 1, 1)
    assert chart.end == ON


def test_recent_changes_pairs_a_price_with_the_one_it_replaced(catalog):
    items = browse.recent_changes()
    glm4_change = next(
        i
        for i in items
        if i.kind == "price"
        and i.price.model.slug == "glm-4"
        and i.price.kind == "input"
        and i.price.valid_to is None
    )
    assert glm4_change.previous.amount == Decimal("120")
    assert {i.program.slug for i in items if i.kind == "program"} == {"zhipu-move", "tencent-old"}
    assert all(i.price.status == Price.Status.APPROVED for i in items if i.kind == "price")


def test_offer_board_tells_active_from_unconfirmed_and_ended(catalog):
    # zhipu-move has no end date and was last confirmed "today" in the fixture; seen from 91 days
    # later (BANJIA_UNCONFIRMED_AFTER_DAYS = 90) it no longer applies but is not "ended" either.
    move = catalog["move"]
    move.confirmed_on = dt.date(2024, 8, 1)
    move.save()
    later = dt.date(2024, 10, 31)  # 2024-08-01 + 91 days
    cards = browse.offer_board(on=later)
    assert [(c.program.slug, c.state, c.state_date) for c in cards] == [
        ("zhipu-move", "unconfirmed", dt.date(2024, 8, 1)),
        ("tencent-old", "expired", dt.date(2024, 7, 31)),
    ]
    assert [c.last_confirmed for c in cards] == [dt.date(2024, 8, 1), dt.date(2024, 7, 1)]
    assert browse.offer_board(active_only=True, on=later) == []
    # 90 days after the confirmation it still applies
    assert [c.state for c in browse.offer_board(active_only=True, on=dt.date(2024, 10, 30))] == ["active"]
    # the free-token sorts put lapsed programmes (unconfirmed or ended) last, whatever their size
    catalog["old"].ends_on = None
    catalog["old"].confirmed_on = dt.date(2024, 10, 30)
    catalog["old"].save()
    assert [c.program.slug for c in browse.offer_board(sort="tokens", on=later)] == [
        "tencent-old",
        "zhipu-move",
    ]


def test_programme_card_badges(client, catalog):
    move = catalog["move"]
    move.confirmed_on = dt.date(2024, 8, 1)
    move.save()
    html = client.get("/").content.decode()
    # today is long after 2024-08-01 + 90 days: not "Active"
    card = html[html.index('id="zhipu-move"') :]
    card = card[: card.index("</article>")]
    assert "Not confirmed since Aug. 1, 2024 — may have ended" in card
    assert "badge-active" not in card
    assert "Last confirmed" in card
    move.confirmed_on = move.announced_on = move.starts_on = None
    move.save()
    html = client.get("/").content.decode()
    card = html[html.index('id="zhipu-move"') :]
    assert "Never confirmed" in card[: card.index("</article>")]


def test_price_chart_draws_the_first_prompt_tier_with_round_ticks(db):
    from tests.factories import ModelFactory, PriceFactory

    model = ModelFactory(slug="tiered")
    for kind, first, second in ((Price.Kind.INPUT, "4", "6"), (Price.Kind.OUTPUT, "16", "20")):
        PriceFactory(model=model, kind=kind, amount=Decimal(first), tier_max_input_tokens=32_000)
        PriceFactory(model=model, kind=kind, amount=Decimal(second), tier_min_input_tokens=32_001)
    history = list(Price.objects.filter(model=model))
    chart = browse.price_chart(history, ON)
    # the 32K+ rows stay in the table only: one line per kind
    assert [s.kind for s in chart.series] == ["input", "output"]
    assert chart.higher_tiers_left_out is True
    # peak 16 (the drawn rows): a quarter is 4 -> step 5; 16 x 1.05 = 16.8 -> top 20
    assert [value for _y, value in chart.y_ticks] == [0, 5, 10, 15, 20]
