"""Browse views: full pages, HTMX fragments, URL state, currency cookie, fixed query counts."""

import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from offers.models import Model, Price
from tests.factories import (
    BenefitFactory,
    ExchangeRateFactory,
    MigrationProgramFactory,
    ModelFactory,
    PriceFactory,
    ProviderFactory,
    build_browse_catalog,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def catalog():
    return build_browse_catalog()


def fragment(client, url, target, **params):
    return client.get(url, params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target)


def grow_catalog(n):
    """n more vendors, each with two models (prices in CNY) and a programme with free tokens."""
    for i in range(n):
        provider = ProviderFactory(slug=f"extra-{i}", name=f"Extra {i}")
        for j in range(2):
            model = ModelFactory(provider=provider, slug=f"m-{i}-{j}", name=f"Extra model {i}.{j}")
            PriceFactory(model=model, kind=Price.Kind.INPUT, amount=Decimal(j + 1), currency="CNY")
            PriceFactory(model=model, kind=Price.Kind.OUTPUT, amount=Decimal(j + 2), currency="CNY")
        program = MigrationProgramFactory(provider=provider, slug=f"extra-program-{i}")
        BenefitFactory(program=program, tokens=1_000_000).models.set(provider.models.all())


# --- Offer board ----------------------------------------------------------------------------------


def test_home_full_page_lists_programmes_active_first(client, catalog):
    # when=all: the board opens on today's offers, the ended one is history (test below).
    response = client.get(reverse("offers:home"), {"currency": "CNY", "when": "all"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert html.index('id="zhipu-move"') < html.index('id="tencent-old"')
    assert "150M free tokens" in html
    # 50M x 100 + 100M x 1 = 5,100 CNY at list price
    assert "¥5,100" in html
    # tencent-old ended on 2024-07-31 (rule 5): the card says when, not just "Expired"
    assert "Ended on July 31, 2024" in html
    assert "https://example.com/zhipu-news" in html
    assert response["Vary"].count("HX-Request") == 1


def test_home_htmx_returns_only_the_offer_list(client, catalog):
    response = fragment(client, reverse("offers:home"), "offer-list", active="on")
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="offer-list"')
    assert 'id="zhipu-move"' in html
    assert 'id="tencent-old"' not in html


def test_home_filters_live_in_the_url_and_work_without_js(client, catalog):
    response = client.get(
        reverse("offers:home"), {"vendor": "tencent", "benefit": "discount", "when": "history"}
    )
    html = response.content.decode()
    assert 'id="tencent-old"' in html
    assert 'id="zhipu-move"' not in html
    assert '<option value="tencent" selected>' in html


def test_home_bad_filter_values_do_not_fail(client, catalog):
    response = client.get(reverse("offers:home"), {"vendor": "nope", "sort": "evil", "benefit": "x"})
    assert response.status_code == 200
    assert 'id="zhipu-move"' in response.content.decode()


def test_home_query_count_does_not_grow(client, catalog, django_assert_num_queries):
    # 1 vendor choices, 2 rates, 3 programmes, 4 benefits, 5 benefit models, 6 current prices
    with django_assert_num_queries(6):
        client.get(reverse("offers:home"))
    grow_catalog(15)
    with django_assert_num_queries(6):
        response = client.get(reverse("offers:home"), {"when": "all"})
    assert response.content.decode().count('class="card offer') == 17


# --- Vendor page ------------------------------------------------------------------------------------


def test_vendor_page_shows_api_snippet_prices_and_provenance(client, catalog):
    response = client.get(reverse("offers:vendor", args=["zhipu"]), {"currency": "USD"})
    html = response.content.decode()
    assert "https://open.bigmodel.cn/api/paas/v4/" in html
    assert "ZHIPU_API_KEY" in html
    assert "&quot;glm-4&quot;" in html  # the mapped model in the snippet
    # glm-4 input 100 CNY in its own currency and converted: 100 / 7 = 14.29 USD
    assert "¥100.00" in html
    assert "$14.29" in html
    assert "source" in html
    assert "Manual" in html
    assert "Official" in html
    # prices checked 2024-07-01 are more than 30 days old today
    assert "stale" in html
    # tiers shown as tiers
    assert "0–32K" in html
    assert "32K–∞" in html
    assert 'id="zhipu-move"' in html


def test_vendor_page_shows_the_exchange_rate_once_and_compact_cells(client, catalog):
    html = client.get(reverse("offers:vendor", args=["zhipu"]), {"currency": "USD"}).content.decode()
    # the one stored rate (1 USD = 7 CNY of 2024-07-01), once above the table, marked old there
    days = (dt.date.today() - dt.date(2024, 7, 1)).days
    assert html.count("Converted at") == 1
    assert f"1 USD = 7 CNY, rate of July 1, 2024, {days} days old" in html
    assert html.count(", rate of ") == 1  # (the ≈ amounts keep the rate in their tooltip)
    assert html.count(">old rate</mark>") == 1
    note = html.index('class="rate-note"')
    assert html.index('id="models-title"') < note < html.index('class="data vendor-models')
    # each of the 7 current prices (glm-4 2, glm-4-air 2, glm-long 2 tiers, embedding-3 1): price,
    # conversion and one "source · checked" link
    assert html.count('<span class="prov">') == 7
    assert html.count("source · checked") == 7
    # glm-4 (checked 2024-07-01 by the factory default) is stale; glm-4-air was checked today
    assert "source · checked today" in html


def test_vendor_page_in_the_prices_currency_shows_no_rate(client, catalog):
    html = client.get(reverse("offers:vendor", args=["zhipu"]), {"currency": "CNY"}).content.decode()
    assert "Converted at" not in html  # every zhipu price is in CNY: nothing converted
    assert "rate of" not in html


def test_rate_line_in_chinese(client, catalog):
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("offers:vendor", args=["zhipu"]), {"currency": "USD"}).content.decode()
    days = (dt.date.today() - dt.date(2024, 7, 1)).days
    assert f'换算汇率： <span class="rate">1 USD = 7 CNY，2024年7月1日 的汇率，已过 {days} 天' in html


def test_recent_rate_is_not_marked_old(client, catalog):
    # a rate of 3 days ago replaces the 2024 one: 1 USD = 7.25 CNY, so 100 CNY = 100 / 7.25 = 13.79 USD
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.25"), date=dt.date.today() - dt.timedelta(3))
    html = client.get(catalog["glm4"].get_absolute_url(), {"currency": "USD"}).content.decode()
    assert "$13.79" in html
    when = dt.date.today() - dt.timedelta(3)
    assert html.count("Converted at") == 1
    # DATE_FORMAT in English is "N j, Y" (Nov. 27, 2026)
    assert f"1 USD = 7.25 CNY, rate of {date_format(when, 'DATE_FORMAT')}, 3 days old" in html
    assert "old rate" not in html


def test_vendor_snippet_fragment(client, catalog):
    response = fragment(
        client, reverse("offers:vendor", args=["zhipu"]), "migration-snippet", **{"from": "gpt-4o"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="migration-snippet"')
    assert "<table" not in html


def test_vendor_not_found(client, catalog):
    assert client.get(reverse("offers:vendor", args=["nope"])).status_code == 404
    catalog["acme"].is_published = False
    catalog["acme"].save()
    assert client.get(reverse("offers:vendor", args=["acme"])).status_code == 404


def test_vendor_page_marks_incompatible_api(client, catalog):
    html = client.get(reverse("offers:vendor", args=["tencent"])).content.decode()
    assert "will not work as is" in html


def test_vendor_query_count_does_not_grow(client, catalog, django_assert_num_queries):
    # 1 provider, 2 rates, 3 models, 4 programmes, 5 benefits, 6 benefit models, 7 prices, 8 mappings
    with django_assert_num_queries(8):
        client.get(reverse("offers:vendor", args=["zhipu"]))
    zhipu = catalog["zhipu"]
    for i in range(20):
        model = ModelFactory(provider=zhipu, slug=f"glm-x-{i}")
        PriceFactory(model=model, kind=Price.Kind.INPUT, amount=Decimal("1"), currency="CNY")
    with django_assert_num_queries(8):
        client.get(reverse("offers:vendor", args=["zhipu"]))


# --- Model table ------------------------------------------------------------------------------------


def test_model_table_full_page_and_fragment(client, catalog):
    url = reverse("offers:models")
    full = client.get(url, {"vendor": "zhipu", "sort": "-input", "currency": "CNY"}).content.decode()
    assert "<html" in full
    assert 'id="model-filters"' in full
    assert full.index("GLM-4</a>") < full.index("GLM-Long</a>") < full.index("GLM-4-Air</a>")
    part = fragment(client, url, "model-table", vendor="zhipu", sort="-input").content.decode()
    assert part.lstrip().startswith('<div id="model-table"')
    assert 'id="model-filters"' not in part
    # sort links are real links that keep the filters
    assert 'href="/models/?vendor=zhipu&amp;sort=input"' in part


def test_model_table_history_restore_gets_full_page(client, catalog):
    response = client.get(
        reverse("offers:models"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="model-table",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def test_model_table_invalid_input_shows_error_not_500(client, catalog):
    response = client.get(reverse("offers:models"), {"min_context": "lots", "max_input": "-1", "page": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error"' in html
    assert "GPT-4o" in html  # the invalid filters are ignored


def test_model_table_out_of_range_page_shows_last_page(client, catalog):
    response = client.get(reverse("offers:models"), {"page": 99})
    assert response.status_code == 200


def test_model_table_query_count_does_not_grow(client, catalog, django_assert_num_queries):
    params = {"sort": "input", "max_output": "50", "capability": "tools"}
    # 1 vendor choices, 2 rates, 3 count, 4 page rows, 5 current prices of the page
    with django_assert_num_queries(5):
        client.get(reverse("offers:models"), params)
    grow_catalog(40)
    with django_assert_num_queries(5):
        response = client.get(reverse("offers:models"), {"sort": "-input"})
    assert "87 models" in response.content.decode()  # 7 + 40 x 2


# --- Model page -------------------------------------------------------------------------------------


def test_model_page_history_table_and_chart(client, catalog):
    response = client.get(catalog["glm4"].get_absolute_url())
    html = response.content.decode()
    assert "<svg" in html
    assert 'class="series"' in html
    assert "¥120.00" in html
    assert "¥100.00" in html
    assert "current" in html
    assert "gpt-4o" in html  # replaces


def test_model_page_shows_the_rate_once_and_unknown_capabilities(client, catalog):
    html = client.get(catalog["glm4"].get_absolute_url(), {"currency": "USD"}).content.decode()
    # current prices and the history's converted column share one rate line
    assert html.count("Converted at") == 1
    assert html.count(", rate of ") == 1  # (the ≈ amounts keep the rate in their tooltip)
    assert (
        html.index('id="current-title"') < html.index('class="rate-note"') < html.index('id="history-title"')
    )
    assert "Capabilities not known" not in html  # glm-4: tools
    html = client.get(catalog["air"].get_absolute_url()).content.decode()
    assert "Capabilities not known" in html  # glm-4-air has no capability on record


def test_model_table_names_unknown_capabilities_and_the_rate(client, catalog):
    html = client.get(reverse("offers:models"), {"vendor": "zhipu", "currency": "USD"}).content.decode()
    caps = html.split('<td class="caps"')[1:]
    # four zhipu models by name: GLM-4 (tools), GLM-4-Air, GLM-Long, Embedding-3 (none known)
    assert len(caps) == 4
    assert sum("unknown" in cell.split("</td>")[0] for cell in caps) == 3
    assert html.count("Converted at") == 1
    html = client.get(reverse("offers:models"), {"vendor": "acme", "currency": "USD"}).content.decode()
    assert "Converted at" not in html  # acme-1's 3 EUR has no rate: shown in EUR, not converted


def test_model_slug_with_slash_and_colon(client, catalog):
    url = catalog["acme1"].get_absolute_url()
    assert url == "/vendors/acme/models/acme-1.5/chat:latest/"
    html = client.get(url, {"currency": "USD"}).content.decode()
    # 3 EUR with no EUR rate: shown in EUR with a note, never as 0
    assert "3.00 EUR" in html
    assert "no USD rate" in html


def test_model_page_query_count(client, catalog, django_assert_num_queries):
    # 1 model, 2 rates, 3 history, 4 programmes, 5 benefits, 6 benefit models, 7 replaces, 8 prices
    with django_assert_num_queries(8):
        client.get(catalog["glm4"].get_absolute_url())


# --- Compare ------------------------------------------------------------------------------------------


def test_compare_page(client, catalog):
    response = client.get(
        reverse("offers:compare"),
        {"m": ["zhipu/glm-4", "zhipu/glm-4-air"], "baseline": "gpt-4o", "currency": "USD"},
    )
    html = response.content.decode()
    assert 'data-model="zhipu/glm-4"' in html
    assert 'data-model="zhipu/glm-4-air"' in html
    # glm-4 input 100/7 = 14.2857 USD vs gpt-4o 2.50 USD: 5.71x
    assert "5.71×" in html
    assert "Special migration plan" in html


def test_compare_shows_no_model_twice_and_no_empty_capability_row(client, catalog):
    html = client.get(
        reverse("offers:compare"), {"m": ["openai/gpt-4o", "zhipu/glm-4"], "baseline": "gpt-4o"}
    ).content.decode()
    table = html[html.index('class="data compare-grid"') : html.index("</table>")]
    assert table.count(">GPT-4o</a>") == 1  # picked and baseline: one column
    assert 'class="baseline"' not in table
    # gpt-4o: vision, tools; glm-4: tools (tests/factories.py): no row for a capability neither has
    assert "Vision" in table
    assert table.count('class="yesno"') == 2 * 2  # 2 capability rows x 2 models


def test_compare_fragments(client, catalog):
    url = reverse("offers:compare")
    part = fragment(client, url, "compare-page", m=["zhipu/glm-4"]).content.decode()
    assert part.lstrip().startswith('<div id="compare-page"')
    search = fragment(client, url, "compare-search", m=["zhipu/glm-4"], q="glm").content.decode()
    assert search.lstrip().startswith('<div id="compare-search"')
    assert "m=zhipu%2Fglm-4&amp;m=zhipu%2Fglm-4-air" in search
    assert 'data-add="zhipu/glm-4"' not in search  # already picked


def test_compare_too_many_and_unknown(client, catalog):
    models = ["zhipu/glm-4", "zhipu/glm-4-air", "zhipu/glm-long", "tencent/hunyuan-pro", "openai/gpt-4o"]
    html = client.get(reverse("offers:compare"), {"m": models + ["x/y"]}).content.decode()
    assert html.count("data-model=") == 4
    assert "at most 4" in html


def test_compare_query_count(client, catalog, django_assert_num_queries):
    # 1 rates, 2 models, 3 OpenAI models, 4 prices, 5 programmes, 6 benefits, 7 benefit models,
    # 8 the vendors' counterparts of the baseline model (rule 4)
    with django_assert_num_queries(8):
        client.get(reverse("offers:compare"), {"m": ["zhipu/glm-4", "tencent/hunyuan-pro"]})


# --- Currency and feeds -----------------------------------------------------------------------------


def test_currency_param_is_remembered_in_a_cookie(client, catalog):
    response = client.get(reverse("offers:models"), {"currency": "CNY"})
    assert response.cookies["banjia_currency"].value == "CNY"
    html = client.get(reverse("offers:vendor", args=["openai"])).content.decode()
    # 2.50 USD x 7 = 17.50 CNY, remembered from the cookie
    assert "¥17.50" in html


def test_default_currency_follows_language(client, catalog):
    html = client.get(
        reverse("offers:compare"), {"m": "openai/gpt-4o"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "¥17.50" in html
    html = client.get(
        reverse("offers:compare"), {"m": "openai/gpt-4o"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "$2.50" in html


def test_unknown_currency_is_ignored(client, catalog):
    response = client.get(reverse("offers:home"), {"currency": "XXX"})
    assert response.status_code == 200
    assert "banjia_currency" not in response.cookies


def test_feeds_list_price_changes_and_programmes(client, catalog, django_assert_num_queries):
    with django_assert_num_queries(5):
        rss = client.get(reverse("offers:feed-rss"))
    assert rss["Content-Type"].startswith("application/rss+xml")
    body = rss.content.decode()
    assert "GLM-4 Input: ¥120.00 → ¥100.00 per 1M tokens" in body
    assert "New programme: Zhipu AI — Special migration plan" in body
    assert "0.01" not in body  # the pending price
    atom = client.get(reverse("offers:feed-atom"))
    assert atom["Content-Type"].startswith("application/atom+xml")
    assert "<entry>" in atom.content.decode()


def test_feed_in_chinese_uses_chinese_names(client, catalog):
    body = client.get(reverse("offers:feed-rss"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "智谱" in body
    assert "特别搬家计划" in body


def test_expired_programme_on_a_day_when_it_ran(client, catalog):
    # ends_on is inclusive: a programme ending 2024-07-31 is still active that day.
    assert catalog["old"].is_active(on=dt.date(2024, 7, 31))


def test_static_assets_come_from_the_app_not_a_cdn(client, catalog):
    html = client.get(reverse("offers:home")).content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "unpkg" not in html
    assert "cdn" not in html.lower()
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


# --- Compare picks on the model table ---------------------------------------------------------------

PICKS = ["zhipu/glm-4", "tencent/hunyuan-pro"]


def add_models(total):
    """Published chat models with an input and an output price, `total` in all, in two inserts each."""
    provider = ProviderFactory(slug="bulk", name="Bulk")
    models = Model.objects.bulk_create(
        Model(provider=provider, slug=f"bulk-{i:03d}", name=f"Bulk {i:03d}", kind=Model.Kind.CHAT)
        for i in range(total)
    )
    template = PriceFactory.build(model=models[0])
    rows = []
    for model in models:
        for kind, amount in ((Price.Kind.INPUT, "1"), (Price.Kind.OUTPUT, "2")):
            row = copy.copy(template)
            row.pk, row.model, row.kind, row.amount = None, model, kind, Decimal(amount)
            rows.append(row)
    Price.objects.bulk_create(rows)


def test_model_table_keeps_the_picks_in_every_link(client, catalog):
    grow_catalog(30)  # 67 models: two pages
    url = reverse("offers:models")
    html = client.get(url, {"sort": "-input", "m": PICKS}).content.decode()
    picks = "m=zhipu%2Fglm-4&amp;m=tencent%2Fhunyuan-pro"
    # sort links and the pager: href and hx-get alike
    assert f'href="/models/?sort=input&amp;{picks}" hx-get="/models/?sort=input&amp;{picks}"' in html
    assert f'href="/models/?sort=-input&amp;{picks}&amp;page=2" hx-get=' in html
    # the filter form sends the picks with every filter change; Reset keeps them
    assert '<input type="hidden" name="m" value="zhipu/glm-4" form="model-filters">' in html
    assert '<input type="hidden" name="m" value="tencent/hunyuan-pro" form="model-filters">' in html
    assert f'href="/models/?{picks}" data-reset' in html
    # the ticked rows come back ticked
    glm4 = catalog["glm4"]
    assert f'value="zhipu/glm-4" id="cmp-{glm4.pk}" checked' in html
    assert f'value="openai/gpt-4o" id="cmp-{catalog["gpt4o"].pk}" hx-get' in html


def test_model_table_fragment_keeps_the_picks(client, catalog):
    url = reverse("offers:models")
    part = fragment(client, url, "model-table", vendor="zhipu", m=PICKS).content.decode()
    assert part.lstrip().startswith('<div id="model-table"')
    assert "Selected for comparison (2/4):" in part
    assert "GLM-4<a" in part
    assert "Hunyuan Pro<a" in part
    # hunyuan-pro is filtered out of view: the no-JS Compare button still sends it
    assert '<input type="hidden" name="m" value="tencent/hunyuan-pro" form="compare-form">' in part
    assert '<input type="hidden" name="m" value="zhipu/glm-4" form="compare-form">' not in part
    # a tick reloads the table without itself (htmx adds the box's value when it is ticked)
    assert 'hx-get="/models/?vendor=zhipu&amp;m=tencent%2Fhunyuan-pro" hx-target="#model-table"' in part
    # the tray's remove link keeps the other pick and the filters
    assert 'href="/models/?vendor=zhipu&amp;m=zhipu%2Fglm-4"' in part
    assert 'aria-label="Remove Hunyuan Pro from the comparison"' in part


def test_model_table_tray_is_empty_without_picks(client, catalog):
    html = client.get(reverse("offers:models")).content.decode()
    assert "Selected for comparison (0/4)" in html
    assert "Tick up to 4 models to compare them." in html
    assert 'form="model-filters"' not in html
    assert '" checked' not in html.split('id="model-table"')[1]


def test_model_table_refuses_a_fifth_pick(client, catalog):
    picks = ["zhipu/glm-4", "zhipu/glm-4-air", "zhipu/glm-long", "tencent/hunyuan-pro", "openai/gpt-4o"]
    response = fragment(client, reverse("offers:models"), "model-table", m=picks)
    part = response.content.decode()
    assert "Selected for comparison (4/4):" in part
    assert "Not added: GPT-4o. You can compare up to 4 models; remove one first." in part
    assert f'value="openai/gpt-4o" id="cmp-{catalog["gpt4o"].pk}" hx-get' in part  # not ticked
    # the address bar keeps the four picks shown
    assert response["HX-Push-Url"] == (
        "/models/?m=zhipu%2Fglm-4&m=zhipu%2Fglm-4-air&m=zhipu%2Fglm-long&m=tencent%2Fhunyuan-pro"
    )


def test_model_table_drops_unknown_picks(client, catalog):
    html = client.get(reverse("offers:models"), {"m": ["nope/x", "zhipu/glm-4", "garbage"]}).content.decode()
    table = html.split('id="model-table"')[1]
    assert "Selected for comparison (1/4):" in table
    assert "nope" not in table
    assert "garbage" not in table


@pytest.mark.parametrize("total", [10, 500])
def test_model_table_with_picks_query_count_is_flat(client, catalog, django_assert_num_queries, total):
    add_models(total)
    # 1 vendor choices, 2 rates, 3 count, 4 page rows, 5 current prices of the page, 6 picked models
    with django_assert_num_queries(6):
        response = client.get(reverse("offers:models"), {"sort": "-input", "m": PICKS})
    assert f"{7 + total} models" in response.content.decode()


def test_model_table_filter_errors_are_tied_to_their_field(client, catalog):
    page = client.get(reverse("offers:models"), {"min_context": "-5"}).content.decode()
    # Django points the invalid input at "<id>_error"; the template must render that element once.
    assert 'aria-describedby="id_min_context_error"' in page
    assert page.count('id="id_min_context_error"') == 1
