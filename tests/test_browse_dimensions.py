"""Browse pages show service tiers, regions and off-peak windows beside the headline price
(issue 12, point 5): words for each row, model table filters, model page, compare."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from offers.models import Price
from offers.web import browse
from offers.web.browse import price_terms
from tests.factories import ExchangeRateFactory, ModelFactory, PriceFactory, ProviderFactory

pytestmark = pytest.mark.django_db

OFF_PEAK = {"start": "00:30", "end": "08:30", "tz": "Asia/Shanghai", "days": None}


@pytest.fixture
def catalog():
    """Made-up amounts: OpenAI with batch rows, a vendor with an off-peak window, one with
    international USD rows beside its CNY home prices, and one with headline prices only."""
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7"), date=dt.date(2024, 7, 1))
    openai = ProviderFactory(slug="openai", name="OpenAI")
    gpt = ModelFactory(provider=openai, slug="gpt-4o", name="GPT-4o")
    for kind, amount, batch in ((Price.Kind.INPUT, "2.5", "1.25"), (Price.Kind.OUTPUT, "10", "5")):
        PriceFactory(model=gpt, kind=kind, amount=Decimal(amount))
        PriceFactory(model=gpt, kind=kind, amount=Decimal(batch), service_tier=Price.ServiceTier.BATCH)
    deepseek = ModelFactory(
        provider=ProviderFactory(slug="deepseek", name="DeepSeek"), slug="deepseek-chat", name="DeepSeek Chat"
    )
    for kind, amount, off in ((Price.Kind.INPUT, "2", "1"), (Price.Kind.OUTPUT, "8", "4")):
        PriceFactory(model=deepseek, kind=kind, amount=Decimal(amount), currency="CNY")
        PriceFactory(model=deepseek, kind=kind, amount=Decimal(off), currency="CNY", time_window=OFF_PEAK)
    glm = ModelFactory(provider=ProviderFactory(slug="zhipu", name="Zhipu AI"), slug="glm-4", name="GLM-4")
    PriceFactory(model=glm, kind=Price.Kind.INPUT, amount=Decimal("7"), currency="CNY")
    PriceFactory(
        model=glm, kind=Price.Kind.INPUT, amount=Decimal("0.6"), currency="USD", region=Price.Region.INTL
    )
    PriceFactory(
        model=glm, kind=Price.Kind.OUTPUT, amount=Decimal("2.2"), currency="USD", region=Price.Region.INTL
    )
    plain = ModelFactory(
        provider=ProviderFactory(slug="plain", name="Plain"), slug="plain-1", name="Plain One"
    )
    PriceFactory(model=plain, kind=Price.Kind.INPUT, amount=Decimal("3"))
    return {"gpt": gpt, "deepseek": deepseek, "glm": glm, "plain": plain}


def test_price_terms_in_words():
    price = Price(service_tier="batch", region=None, time_window=None, currency="USD")
    assert price_terms(price) == "Batch"
    price = Price(service_tier="standard", region="intl", time_window=None, currency="USD")
    assert price_terms(price) == "International (USD)"
    assert price_terms(price, with_currency=False) == "International"
    price = Price(service_tier="standard", region=None, time_window=OFF_PEAK, currency="CNY")
    assert price_terms(price) == "Off-peak 00:30–08:30 Beijing time"
    weekdays = {**OFF_PEAK, "tz": "UTC", "days": ["mon", "tue", "wed", "thu", "fri"]}
    price = Price(service_tier="flex", region="cn", time_window=weekdays, currency="CNY")
    assert price_terms(price) == "Flex · Mainland China (CNY) · Off-peak 00:30–08:30 UTC (weekdays)"
    price = Price(
        service_tier="standard", region=None, time_window={**OFF_PEAK, "days": ["sat", "mon"]}, currency="CNY"
    )
    assert price_terms(price) == "Off-peak 00:30–08:30 Beijing time (Mon, Sat)"
    with translation.override("zh-hans"):
        assert (
            price_terms(Price(service_tier="batch", region="intl", currency="USD"))
            != "Batch · International (USD)"
        )


def test_headline_stays_standard_home_all_day(catalog):
    converter = browse.Converter.load(dt.date(2025, 1, 1))
    prices = browse.current_prices([m.pk for m in catalog.values()], converter, "USD", dt.date(2025, 1, 1))
    gpt = prices[catalog["gpt"].pk]
    # the batch row is cheaper, but the headline is the standard one
    assert (gpt.input.price.amount, gpt.output.price.amount) == (Decimal("2.5"), Decimal("10"))
    assert not gpt.tiered  # one headline row per kind: no "from"
    assert [(r.terms, r.price.amount) for r in gpt.input_variants] == [("Batch", Decimal("1.25"))]
    assert gpt.input.terms == "Standard"  # named, since the model has batch rows
    glm = prices[catalog["glm"].pk]
    assert glm.input.price.amount == Decimal("7")
    assert glm.output is None  # no home output price: unknown, not the international one
    assert [r.terms for r in glm.output_variants] == ["International (USD)"]
    assert glm.input.terms == "Home prices"
    deepseek = prices[catalog["deepseek"].pk]
    assert [r.terms for r in deepseek.all_rows()] == [
        "All day", "All day", "Off-peak 00:30–08:30 Beijing time", "Off-peak 00:30–08:30 Beijing time"
    ]  # fmt: skip
    assert prices[catalog["plain"].pk].input.terms == ""  # nothing else to tell apart


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["deepseek-chat", "glm-4", "gpt-4o", "plain-1"]),
        ({"has_batch": "on"}, ["gpt-4o"]),
        ({"has_offpeak": "on"}, ["deepseek-chat"]),
        ({"region": "intl"}, ["glm-4"]),
        ({"region": "home"}, ["deepseek-chat", "glm-4", "gpt-4o", "plain-1"]),
        ({"region": "cn"}, []),
        ({"has_batch": "on", "region": "intl"}, []),
    ],
)
def test_model_table_filters_by_dimension(client, catalog, params, expected, django_assert_num_queries):
    # 1 vendor choices, 2 rates, 3 count, 4 page rows, 5 current prices; a count of 0 stops at 3
    with django_assert_num_queries(5 if expected else 3):
        response = client.get(reverse("offers:models"), params)
    table = response.context["table"]
    assert [row.model.slug for row in table.page.object_list] == expected


def test_model_table_shows_variant_prices(client, catalog):
    html = client.get(reverse("offers:models"), {"currency": "USD"}).content.decode()
    assert 'class="variant">Batch: <span class="money">$1.25</span>' in html
    # 4 CNY off-peak output at 7 CNY/USD = 0.571428... USD
    assert 'class="variant">Off-peak 00:30–08:30 Beijing time: <span class="money"' in html
    assert 'class="variant">International (USD): <span class="money">$2.20</span>' in html
    for name in ("has_batch", "has_offpeak", "region"):
        assert f'name="{name}"' in html


def test_model_table_filter_labels_are_translated(client, catalog):
    html = client.get(reverse("offers:models"), HTTP_COOKIE="django_language=zh-hans").content.decode()
    assert "Has a batch price" not in html
    assert "Has an off-peak price" not in html


def test_model_page_labels_each_row(client, catalog, django_assert_num_queries):
    # 1 model, 2 rates, 3 history, 4 programmes (none: no benefit prefetches), 5 replaces, 6 prices
    with django_assert_num_queries(6):
        html = client.get(catalog["glm"].get_absolute_url(), {"currency": "USD"}).content.decode()
    assert '<span class="terms">International (USD)</span>' in html
    assert '<span class="terms">Home prices</span>' in html
    html = client.get(catalog["deepseek"].get_absolute_url()).content.decode()
    assert '<span class="terms">Off-peak 00:30–08:30 Beijing time</span>' in html
    assert "Input · Off-peak 00:30–08:30 Beijing time" in html  # its own chart series
    html = client.get(catalog["gpt"].get_absolute_url()).content.decode()
    assert '<span class="terms">Batch</span>' in html
    assert '<span class="terms">Standard</span>' in html


def test_compare_lines_up_the_dimensions(client, catalog, django_assert_max_num_queries):
    comparison = browse.compare([("zhipu", "glm-4"), ("deepseek", "deepseek-chat")], currency="USD")
    # lines for the dimensions of the compared models only (OpenAI's batch rows are not one)
    got = [
        (line.label, [r and r.price.amount for r in line.cells], line.baseline and line.baseline.price.amount)
        for line in comparison.variant_lines
    ]
    assert got == [
        ("Input · Off-peak 00:30–08:30 Beijing time", [None, Decimal("1")], None),
        ("Output · Off-peak 00:30–08:30 Beijing time", [None, Decimal("4")], None),
        ("Input · International", [Decimal("0.6"), None], None),
        ("Output · International", [Decimal("2.2"), None], None),
    ]
    comparison = browse.compare([("zhipu", "glm-4"), ("openai", "gpt-4o")], currency="USD")
    assert [
        (line.label, line.baseline and line.baseline.price.amount) for line in comparison.variant_lines
    ] == [
        ("Input · International", None),
        ("Output · International", None),
        ("Input · Batch", Decimal("1.25")),  # the baseline is gpt-4o: its batch price lines up
        ("Output · Batch", Decimal("5")),
    ]
    url = reverse("offers:compare")
    with django_assert_max_num_queries(9):
        html = client.get(url, {"m": ["zhipu/glm-4", "openai/gpt-4o"], "currency": "USD"}).content.decode()
    assert '<tr class="variant"><th scope="row">Input · Batch</th>' in html


def test_feed_pairs_a_new_price_within_its_slot():
    """A batch, international or off-peak row opened the day a standard row closed is a new row of
    its own slot, not that row's successor (the feed's "before → after")."""
    gpt = ModelFactory(provider=ProviderFactory(slug="openai", name="OpenAI"), slug="gpt-4o", name="GPT-4o")
    day = dt.date(2024, 8, 6)
    PriceFactory(
        model=gpt, kind=Price.Kind.INPUT, amount=Decimal("5"), valid_from=dt.date(2024, 5, 13), valid_to=day
    )
    PriceFactory(model=gpt, kind=Price.Kind.INPUT, amount=Decimal("2.5"), valid_from=day)
    PriceFactory(
        model=gpt,
        kind=Price.Kind.INPUT,
        amount=Decimal("1.25"),
        valid_from=day,
        service_tier=Price.ServiceTier.BATCH,
    )
    PriceFactory(
        model=gpt, kind=Price.Kind.INPUT, amount=Decimal("2"), valid_from=day, region=Price.Region.INTL
    )
    PriceFactory(model=gpt, kind=Price.Kind.INPUT, amount=Decimal("1"), valid_from=day, time_window=OFF_PEAK)
    new = {
        (i.price.service_tier, i.price.region, bool(i.price.time_window)): i
        for i in browse.recent_changes()
        if i.kind == "price" and i.price.valid_from == day
    }
    # the standard all-day row replaced the 5.00 one; the three others have no predecessor
    assert new[("standard", None, False)].previous.amount == Decimal("5")
    assert new[("batch", None, False)].previous is None
    assert new[("standard", "intl", False)].previous is None
    assert new[("standard", None, True)].previous is None


@pytest.fixture
def billed():
    """Made-up amounts in the shapes of issue 16: a model priced by reply length (short replies
    cheaper, as GLM-4.7), one priced per thinking mode (as qwen-plus), and one whose batch price is
    derived by a rule."""
    glm = ModelFactory(
        provider=ProviderFactory(slug="zhipu", name="Zhipu AI"), slug="glm-4.7", name="GLM-4.7"
    )
    PriceFactory(model=glm, kind=Price.Kind.INPUT, amount=Decimal("3"), currency="CNY")
    PriceFactory(
        model=glm, kind=Price.Kind.OUTPUT, amount=Decimal("8"), currency="CNY", tier_max_output_tokens=199
    )
    PriceFactory(
        model=glm, kind=Price.Kind.OUTPUT, amount=Decimal("14"), currency="CNY", tier_min_output_tokens=200
    )
    qwen = ModelFactory(
        provider=ProviderFactory(slug="alibaba", name="Alibaba"), slug="qwen-plus", name="Qwen Plus"
    )
    PriceFactory(model=qwen, kind=Price.Kind.INPUT, amount=Decimal("0.8"), currency="CNY")
    PriceFactory(
        model=qwen, kind=Price.Kind.OUTPUT, amount=Decimal("8"), currency="CNY", mode=Price.Mode.THINKING
    )
    PriceFactory(model=qwen, kind=Price.Kind.OUTPUT, amount=Decimal("2"), currency="CNY",
                 mode=Price.Mode.NON_THINKING)  # fmt: skip
    PriceFactory(model=qwen, kind=Price.Kind.OUTPUT, amount=Decimal("1"), currency="CNY", service_tier="batch",
                 mode=Price.Mode.NON_THINKING, confidence="derived", note="derived: 50% of the real-time price")  # fmt: skip
    return {"glm": glm, "qwen": qwen}


def test_headline_is_what_an_ordinary_request_pays(billed):
    converter = browse.Converter.load(dt.date(2025, 1, 1))
    prices = browse.current_prices([m.pk for m in billed.values()], converter, "CNY", dt.date(2025, 1, 1))
    glm = prices[billed["glm"].pk]
    # the short-reply 8 is cheaper, but an ordinary reply (200 tokens and more) pays 14
    assert glm.output.price.amount == Decimal("14")
    assert glm.output.terms == "replies of 200+ tokens"
    assert [(r.terms, r.price.amount) for r in glm.output_variants] == [
        ("replies up to 199 tokens", Decimal("8"))
    ]
    qwen = prices[billed["qwen"].pk]
    assert qwen.output.price.amount == Decimal("2")  # non-thinking, not the thinking 8
    assert qwen.output.terms == "Standard · non-thinking mode"
    assert [(r.terms, r.price.amount) for r in qwen.output_variants] == [
        ("thinking mode", Decimal("8")),
        ("Batch · non-thinking mode", Decimal("1")),
    ]


def test_derived_prices_are_marked_on_every_page(client, billed):
    mark = '<mark class="derived" title="derived: 50% of the real-time price">derived</mark>'
    html = client.get(reverse("offers:models"), {"currency": "CNY"}).content.decode()
    assert mark in html  # the batch variant in the model table
    html = client.get(billed["qwen"].get_absolute_url(), {"currency": "CNY"}).content.decode()
    assert mark in html  # the model page: current prices and history
    html = client.get(reverse("offers:compare"), {"m": ["alibaba/qwen-plus", "zhipu/glm-4.7"],
                                                  "currency": "CNY"}).content.decode()  # fmt: skip
    assert mark in html  # the compare page's batch line
    assert "replies up to 199 tokens" in html
    with translation.override("zh-hans"):
        html = client.get(
            billed["qwen"].get_absolute_url(), HTTP_COOKIE="django_language=zh-hans"
        ).content.decode()
    assert ">derived</mark>" not in html
