"""Each vendor's detail of the estimate is its own request (issue 15, part 3): the page renders the
summary, the ranking and the chart; /estimate/detail/<provider>/?<the page's query> renders one
vendor's prices, model selects, programmes and months, for HTMX or as a page of its own."""

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offers.models import Model
from tests.factories import map_model, priced_model
from tests.test_estimate_page import HTMX, REFERENCE, URL, csv_sheets

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    call_command("import_catalog", str(DATA / "estimate_catalog.json"), verbosity=0)


def detail(client, provider, q=REFERENCE, **headers):
    return client.get(f"{URL}detail/{provider}/?{q}", **headers)


def test_the_page_renders_no_vendor_detail_inline(client, catalog):
    soup = BeautifulSoup(client.get(f"{URL}?{REFERENCE}").content.decode(), "html.parser")
    # the summary, the ranking and the chart are there
    assert soup.select_one("#estimate-summary")
    assert soup.select_one("#ranking")
    assert soup.select_one("#chart")
    # only OpenAI's price table (the baseline, 2 lines); no vendor's prices, months or selects
    assert len(soup.select("table.price-lines")) == 1
    assert soup.select_one("#detail-openai table.price-lines")
    assert not soup.select("table.benefit-months")
    assert not soup.select("#ranking select, details.vendor-detail select")
    for provider in ("deepseek", "zhipu"):
        box = soup.select_one(f"details#detail-{provider}")
        assert box.get("open") is None
        # loaded when opened (HTMX, with the form's fields), or a plain link to the same detail
        assert box["hx-get"] == f"/estimate/detail/{provider}/"
        assert box["hx-include"] == "#estimate-form"
        assert box["hx-trigger"] == "toggle once"
        link = box.select_one(".vendor-detail-body a")["href"]
        assert link.startswith(f"/estimate/detail/{provider}/?usage-TOTAL_FORMS=2&")
        # the link works on its own (no JavaScript): that vendor's detail, as a page
        followed = BeautifulSoup(client.get(link).content.decode(), "html.parser")
        assert followed.select_one(f"#detail-body-{provider} table.price-lines")


def test_a_detail_request_has_that_vendors_months_and_benefits(client, catalog):
    response = detail(client, "zhipu", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="vendor-detail-body" id="detail-body-zhipu"')
    soup = BeautifulSoup(html, "html.parser")
    # 12 months, one row each; Zhipu's glm-4 pool: 40M of month 1 + 10M of month 2 = its 50M
    rows = soup.select("table.benefit-months tbody tr")
    assert [tr.select_one("td").get_text(strip=True) for tr in rows] == [str(m) for m in range(1, 13)]
    assert "50,000,000 of 50,000,000 tokens used in 12 months" in html
    # its model selects, and no other vendor's
    assert soup.select('select[name="usage-0-override-zhipu"]')
    assert not soup.select('select[name="usage-0-override-deepseek"]')
    assert "https://example.com/zhipu" in html


def test_a_detail_without_javascript_is_a_page_with_a_form_back(client, catalog):
    q = f"{REFERENCE}&sort=savings"
    response = detail(client, "zhipu", q)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    assert soup.select_one("html")
    assert soup.select_one("h1").get_text().startswith("Zhipu")
    assert soup.select_one("#detail-body-zhipu table.benefit-months")
    # the selects belong to a form that sends the whole estimate back, with the models chosen
    form = soup.select_one("form#estimate-form")
    assert form["action"] == "/estimate/"
    assert form["method"] == "get"
    hidden = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    assert hidden["usage-TOTAL_FORMS"] == "2"
    assert hidden["usage-0-model"] == "gpt-4o"
    assert hidden["sort"] == "savings"
    assert soup.select_one('select[name="usage-0-override-zhipu"]')["form"] == "estimate-form"
    back = soup.find("a", string="Back to the estimate")["href"]
    assert back.startswith("/estimate/?")
    assert back.endswith("#detail-zhipu")


def test_an_incomplete_vendor_and_an_unknown_one(client, catalog):
    html = detail(client, "baidu", **HTMX).content.decode()
    assert "no model mapped for gpt-4o-mini" in html
    assert detail(client, "nosuch", **HTMX).status_code == 404
    assert detail(client, "openai").status_code == 404  # the baseline is on the page


def test_a_detail_request_costs_the_same_queries_at_any_number_of_vendors(client, catalog):
    def count():
        detail(client, "zhipu", **HTMX)  # the compiled catalog of this state, built once
        with CaptureQueriesContext(connection) as queries:
            assert detail(client, "zhipu", **HTMX).status_code == 200
        return len(queries)

    before = count()
    gpt4o, mini = Model.objects.get(slug="gpt-4o"), Model.objects.get(slug="gpt-4o-mini")
    for n in range(6):
        model = priced_model(f"extra-{n}", f"extra-model-{n}", input=1, output=2)
        map_model(gpt4o, model)
        map_model(mini, model)
    assert count() == before
    assert detail(client, "extra-5", **HTMX).status_code == 200  # the vendors are there


def test_exports_still_hold_every_vendors_detail(client, catalog):
    sheets = csv_sheets(client.get(f"{URL}?{REFERENCE}&download=csv"))
    # DeepSeek and Zhipu priced (Baidu incomplete): both month by month, both priced line by line
    assert set(sheets["Months"][0]) == {"month", "openai", "deepseek", "zhipu"}
    assert len(sheets["Months"]) == 12
    assert {r["provider"] for r in sheets["Prices"]} == {"openai", "deepseek", "zhipu"}
    assert {r["provider"] for r in sheets["Programmes"]} == {"zhipu"}
