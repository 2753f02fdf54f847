"""The estimate page prices its rule-6 inputs once the estimator reads them (DESIGN.md rule 6):
a batch line, the region and each hourly profile, hand-priced. Skips while the estimator does not
read service_tier, region and hourly_usage."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from offers.models import Model, Price
from offers.web.estimate.forms import estimator_accepts
from offers.web.estimate.query import lines_query
from tests.factories import PriceFactory
from tests.test_estimate_tiers import DATA, URL

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        estimator_accepts() != {"service_tier", "region", "hourly_usage"},
        reason="the estimator does not read rule 6 yet",
    ),
]

OFF_PEAK = {"start": "00:30", "end": "08:30", "tz": "Asia/Shanghai", "days": None}  # UTC 16:30-00:30


@pytest.fixture
def catalog():
    call_command("import_catalog", str(DATA / "estimate_catalog.json"), verbosity=0)
    gpt = Model.objects.get(provider__slug="openai", slug="gpt-4o")
    # a tier's rows replace the standard ones as a set (rule 6): both kinds
    for kind, amount in ((Price.Kind.INPUT, "2.5"), (Price.Kind.OUTPUT, "7.5")):
        PriceFactory(
            model=gpt,
            kind=kind,
            amount=Decimal(amount),
            service_tier="batch",
            valid_from=dt.date(2024, 5, 13),
        )
    deepseek = Model.objects.get(provider__slug="deepseek", slug="deepseek-chat")
    PriceFactory(
        model=deepseek,
        amount=Decimal("0.5"),
        currency="CNY",
        time_window=OFF_PEAK,
        valid_from=dt.date(2024, 5, 6),
    )


def result(client, tier="", **settings):
    line = {
        "model": "gpt-4o",
        "input_tokens": 1_000_000,
        "cached_input_tokens": 0,
        "output_tokens": 0,
        "service_tier": tier,
    }
    query = lines_query([line], {"months": 1, "currency": "CNY", "as_of": "2024-07-10", **settings})
    response = client.get(f"{URL}?{query.urlencode()}")
    res = response.context["result"]
    assert res is not None, response.context["form"].errors
    return res


def vendor_cost(res, slug):
    return next(Decimal(a["monthly_list_cost"]) for a in res["alternatives"] if a["provider"] == slug)


def test_batch_line_uses_openai_batch_price(client, catalog):
    # 1M input tokens: standard 5 USD, batch 2.5 USD; x 7.13 CNY/USD = 35.65 / 17.825
    assert Decimal(result(client)["baseline"]["monthly_cost"]) == Decimal("35.65")
    assert Decimal(result(client, "batch")["baseline"]["monthly_cost"]).quantize(Decimal("0.01")) == Decimal(
        "17.83"
    )


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ("", Decimal("1")),  # no profile: the all-day 1 CNY
        ("flat", Decimal("0.83")),  # 8 of 24 hours off-peak: 2/3 x 1 + 1/3 x 0.5 = 5/6
        ("beijing", Decimal("1")),  # UTC 1-9: none in UTC 16:30-00:30
        ("california", Decimal("0.53")),  # July, UTC 16-23: 7.5 of 8 hours -> 1/16 x 1 + 15/16 x 0.5 = 17/32
    ],
)
def test_hourly_profile_prices_the_off_peak_window(client, catalog, profile, expected):
    cost = vendor_cost(result(client, hourly_profile=profile), "deepseek")
    assert cost.quantize(Decimal("0.01")) == expected


def test_region_is_sent(client, catalog):
    glm = Model.objects.get(provider__slug="zhipu", slug="glm-4")
    for kind in (Price.Kind.INPUT, Price.Kind.OUTPUT):
        PriceFactory(
            model=glm,
            kind=kind,
            amount=Decimal("0.05"),
            currency="USD",
            region="intl",
            valid_from=dt.date(2024, 6, 1),
        )
    home = vendor_cost(result(client), "zhipu")
    intl = vendor_cost(result(client, region="intl"), "zhipu")
    # 1M input at glm-4: home 0.1 CNY per 1K = 100 CNY; international 0.05 USD x 7.13 = 0.3565 CNY
    assert (home.quantize(Decimal("0.01")), intl.quantize(Decimal("0.01"))) == (
        Decimal("100.00"),
        Decimal("0.36"),
    )


def test_page_says_which_lines_fell_back_to_the_standard_tier(client, catalog):
    from tests.test_estimate_page import ranking_flags

    line = {"model": "gpt-4o", "input_tokens": 1_000_000, "cached_input_tokens": 0, "output_tokens": 0}
    query = lines_query(
        [{**line, "service_tier": "batch"}], {"months": 1, "currency": "CNY", "as_of": "2024-07-10"}
    )
    html = client.get(f"{URL}?{query.urlencode()}").content.decode()
    # OpenAI has batch rows; DeepSeek has none: its line is priced at its standard price and says so
    assert ranking_flags(html, "deepseek") == [["tier"]]
    assert "standard price: no batch price" in html
    row = html[html.index('<tr class="reference"') :]
    assert 'data-flag="tier"' not in row[: row.index("</tr>")]


def test_vendor_detail_shows_the_off_peak_share_and_saving(client, catalog):
    line = {"model": "gpt-4o", "input_tokens": 1_000_000, "cached_input_tokens": 0, "output_tokens": 0}
    query = lines_query(
        [line], {"months": 1, "currency": "CNY", "as_of": "2024-07-10", "hourly_profile": "flat"}
    )
    # the vendor's detail is its own request (the page renders none)
    detail = client.get(f"{URL}detail/deepseek/?{query.urlencode()}", HTTP_HX_REQUEST="true").content.decode()
    # flat: 8 of 24 hours in UTC 16:30-00:30 -> 33.3 % of 1M input tokens at 0.5 instead of 1 CNY:
    # 1,000,000 / 3 x 0.5 / 1M = 0.1666... -> 0.17 CNY a month saved
    assert "Off-peak 00:30–08:30 Beijing time: 33.3 % of your tokens" in detail
    assert "0.17 CNY a month" in detail
    # the window's price row says which window it is
    assert "Off-peak 00:30–08:30 Beijing time</small>" in detail
