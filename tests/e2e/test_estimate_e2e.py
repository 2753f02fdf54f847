"""The estimate page in a real browser: live updates as the user types, lines, upload, no JavaScript."""

from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from offers.web.estimate.query import lines_query

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def catalog(transactional_db):
    call_command("import_catalog", str(DATA / "estimate_catalog.json"), verbosity=0)


def start_url(live_server):
    line = {
        "model": "gpt-4o",
        "input_tokens": 30_000_000,
        "cached_input_tokens": 0,
        "output_tokens": 10_000_000,
    }
    query = lines_query([line], {"months": 12, "currency": "CNY", "as_of": "2024-07-10"})
    return f"{live_server.url}/estimate/?{query.urlencode()}"


def settled(page):
    """Wait until htmx has no request, swap or settle in progress. An element htmx has just
    swapped in is in the DOM a moment before htmx listens to it: a change made in that moment is
    lost (a flaky failure on a slower database)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_result_follows_typing_without_reload(page, live_server, catalog):
    page.goto(start_url(live_server))
    baseline = page.locator(".baseline")
    # 300 USD x 7.13 = 2,139.00 CNY a month
    expect(baseline).to_contain_text("2,139.00 CNY")
    page.evaluate("window.__noReload = true")
    page.fill("#id_usage-0-output_tokens", "0")
    # 30M x 5 = 150 USD = 1,069.50 CNY
    expect(baseline).to_contain_text("1,069.50 CNY")
    assert "usage-0-output_tokens=0" in page.url
    page.fill("#id_usage-0-input_tokens", "-5")
    expect(page.locator("#id_usage-0-input_tokens-errors")).to_contain_text("greater than or equal to 0")
    page.fill("#id_usage-0-input_tokens", "30000000")
    expect(page.locator("#id_usage-0-input_tokens-errors")).to_have_text("")
    page.click("button[name=add_line]")
    expect(page.locator("tr.usage-line")).to_have_count(2)
    settled(page)
    page.select_option("#id_usage-1-model", "gpt-4o-mini")
    page.fill("#id_usage-1-input_tokens", "100000000")
    page.fill("#id_usage-1-cached_input_tokens", "20000000")
    page.fill("#id_usage-1-output_tokens", "20000000")
    # 1,069.50 + 25.5 USD x 7.13 (181.815) = 1,251.315 -> 1,251.32
    expect(baseline).to_contain_text("1,251.32 CNY")
    page.locator("button[name=remove_line]").first.click()
    expect(page.locator("tr.usage-line")).to_have_count(1)
    expect(page.locator("#id_usage-0-model")).to_have_value("gpt-4o-mini")
    assert page.evaluate("window.__noReload === true")
    assert page.js_errors == []


def test_upload_fills_the_form(page, live_server, catalog):
    page.goto(start_url(live_server))
    page.set_input_files("#id_file", str(DATA / "estimate_usage_dashboard.csv"))
    page.click(".import-form button[type=submit]")
    expect(page.locator(".estimate-messages")).to_contain_text("Imported 2 models")
    expect(page.locator(".estimate-messages")).to_contain_text("ft:gpt-4o-mini-2024-07-18:acme::abc123")
    expect(page.locator("#id_usage-0-input_tokens")).to_have_value("1000000")
    expect(page.locator("#id_currency")).to_have_value("CNY")  # the settings on screen are kept


def test_works_without_javascript(browser, live_server, catalog):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(start_url(live_server))
    page.fill("#id_usage-0-output_tokens", "0")
    page.press("#id_usage-0-output_tokens", "Enter")  # the default button estimates, never removes
    expect(page.locator(".baseline")).to_contain_text("1,069.50 CNY")
    page.click("button[name=add_line]")
    expect(page.locator("tr.usage-line")).to_have_count(2)
    context.close()


def test_choosing_a_vendor_model_updates_the_result_and_the_url(page, live_server, catalog):
    page.goto(start_url(live_server))
    page.evaluate("window.__noReload = true")
    zhipu = page.locator('tr[data-provider="zhipu"]')
    # glm-4 at 0.1 CNY per 1K tokens (100 per 1M): (30M + 10M) x 100 = 4,000 a month, 48,000 in
    # 12 months, minus the 50M free glm-4 tokens (5,000) = 43,000.00
    expect(zhipu).to_contain_text("43,000.00")
    page.click("#detail-zhipu summary")
    select = page.locator("#id_usage-0-override-zhipu")
    expect(select).to_have_value("")
    settled(page)  # the detail's select is swapped in: let htmx listen to it first
    select.select_option("glm-4-air")
    # glm-4-air at 1 CNY per 1M: 40 a month, 480 in 12 months; its 100M free tokens cover
    # months 1-2 (40M each) and half of month 3: 480 - 100 = 380.00
    expect(zhipu).to_contain_text("380.00")
    expect(page.locator("#id_usage-0-override-zhipu-status")).to_have_text("your choice")
    expect(page.locator("#detail-zhipu")).to_have_attribute("open", "")  # still open after the swap
    assert "usage-0-override-zhipu=glm-4-air" in page.url
    assert "override-deepseek" not in page.url  # selects left on "mapped" stay out of the link
    # typing in the form keeps the choice
    page.fill("#id_usage-0-output_tokens", "0")
    # OpenAI: 30M x 5 USD = 150 USD x 7.13 = 1,069.50 CNY a month
    expect(page.locator(".baseline")).to_contain_text("1,069.50 CNY")
    expect(page.locator("#id_usage-0-override-zhipu")).to_have_value("glm-4-air")
    assert "usage-0-override-zhipu=glm-4-air" in page.url
    assert page.evaluate("window.__noReload === true")
    assert page.js_errors == []


def test_counts_with_units_echo_while_typing_and_upload_errors_take_the_focus(page, live_server, catalog):
    page.goto(start_url(live_server))
    summary = page.locator("#estimate-summary")
    page.fill("#id_usage-0-input_tokens", "300M")
    expect(page.locator("#id_usage-0-input_tokens-echo")).to_have_text("= 300,000,000")
    # 300M x 5 + 10M x 15 = 1,650 USD x 7.13 = 11,764.50 CNY a month
    expect(summary).to_contain_text("11,764.50 CNY")
    expect(page.locator("button.copy-link")).to_be_visible()  # shown by estimate.js
    page.fill("#id_usage-0-input_tokens", "300 apples")
    expect(page.locator("#id_usage-0-input_tokens-errors")).to_contain_text("Enter a whole number")
    page.set_input_files(
        "#id_file", {"name": "usage.json", "mimeType": "application/json", "buffer": b"{oops"}
    )
    page.click(".import-form button[type=submit]")
    outcome = page.locator("#upload-outcome")
    expect(outcome).to_contain_text("not valid JSON")
    expect(outcome).to_be_focused()
    expect(page.locator("#estimate-summary")).to_have_count(0)
    assert page.js_errors == []
