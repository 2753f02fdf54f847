"""End to end in a real browser: offer board, vendor snippet, model table, compare, switches."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import build_browse_catalog

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalog(transactional_db):
    return build_browse_catalog()


def mark_page(page):
    """Set a marker that survives HTMX swaps but not a full page load."""
    page.evaluate("window.__noReload = true")


def not_reloaded(page):
    return page.evaluate("window.__noReload === true")


def test_home_and_offer_board_filter(page, live_server, catalog):
    # Both 2024 programmes of this catalog are history today: the board shows every offer with
    # when=all (it opens on what applies today or was seen within a year).
    page.goto(live_server.url + "/?when=all")
    expect(page.get_by_role("heading", level=1)).to_have_text("Offers for teams that move")
    cards = page.locator("#offer-list article.card")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("150M free tokens")
    expect(page.locator("#tencent-old")).to_contain_text("Ended on July 31, 2024")
    mark_page(page)
    page.get_by_label("Vendor").select_option("tencent")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("id", "tencent-old")
    assert "vendor=tencent" in page.url
    page.get_by_label("Active only").check()
    expect(page.locator("#offer-list")).to_contain_text("No programme matches these filters.")
    assert "active=on" in page.url
    assert not_reloaded(page)
    assert page.js_errors == []


def test_vendor_page_copies_snippet(page, live_server, catalog):
    page.goto(live_server.url + "/vendors/zhipu/")
    expect(page.locator("#snippet-python")).to_contain_text(
        'base_url="https://open.bigmodel.cn/api/paas/v4/"'
    )
    expect(page.locator("#snippet-python")).to_contain_text('model="glm-4"')
    page.locator('[data-copy="snippet-python"]').click()
    expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert 'api_key=os.environ["ZHIPU_API_KEY"]' in copied
    assert 'model="glm-4",  # was "gpt-4o"' in copied
    # provenance and the stale mark are on the prices
    expect(page.locator("table.vendor-models").first).to_contain_text("stale")


def test_model_table_filter_and_sort(page, live_server, catalog):
    page.goto(live_server.url + "/models/")
    expect(page.locator("#model-table .count")).to_contain_text("7 models")
    mark_page(page)
    page.get_by_label("Search").fill("glm")
    expect(page.locator("#model-table .count")).to_contain_text("3 models")
    assert "q=glm" in page.url
    page.locator('a[data-sort="input"]').click()
    expect(page.locator("#model-table tbody th a").first).to_have_text("GLM-4-Air")
    assert "sort=input" in page.url
    page.locator('a[data-sort="input"]').click()  # again: high to low
    expect(page.locator("#model-table tbody th a").first).to_have_text("GLM-4")
    assert "sort=-input" in page.url
    # the filter form follows the sort chosen in the table
    expect(page.get_by_label("Sort by")).to_have_value("-input")
    page.get_by_label("Kind").select_option("chat")
    expect(page.locator("#model-table tbody th a").first).to_have_text("GLM-4")
    assert not_reloaded(page)
    # the URL alone reproduces the view
    page.goto(page.url)
    expect(page.locator("#model-table tbody th a").first).to_have_text("GLM-4")
    expect(page.locator("#model-table .count")).to_contain_text("3 models")


def test_compare_two_models(page, live_server, catalog):
    page.goto(live_server.url + "/models/?q=glm-4")
    page.get_by_label("Compare GLM-4", exact=True).check()
    expect(page.locator("#compare-tray")).to_contain_text("(1/4)")
    page.get_by_label("Compare GLM-4-Air").check()
    expect(page.locator("#compare-tray")).to_contain_text("(2/4)")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.locator("#compare-page th[data-model]")).to_have_count(2)
    page.get_by_role("link", name="USD").click()
    # glm-4 input 100 CNY = 14.29 USD; 14.2857 / 2.50 = 5.71x
    expect(page.locator("#compare-page")).to_contain_text("5.71×")
    expect(page.locator("#compare-page")).to_contain_text("Special migration plan")
    mark_page(page)
    page.get_by_role("link", name="Remove GLM-4-Air").click()
    expect(page.locator("#compare-page th[data-model]")).to_have_count(1)
    assert not_reloaded(page)


def test_compare_picks_survive_filters_and_sorting(page, live_server, catalog):
    page.goto(live_server.url + "/models/")
    mark_page(page)
    tray = page.locator("#compare-tray")
    expect(tray).to_contain_text("Selected for comparison (0/4)")
    page.get_by_label("Compare GLM-4", exact=True).check()
    expect(tray).to_contain_text("Selected for comparison (1/4): GLM-4")
    page.get_by_label("Compare Hunyuan Pro").check()
    expect(tray).to_contain_text("Selected for comparison (2/4)")
    expect(tray).to_contain_text("Hunyuan Pro")
    assert "m=zhipu%2Fglm-4&m=tencent%2Fhunyuan-pro" in page.url
    # a filter that hides one of them, then a sort: the picks stay in the URL and the tray
    page.get_by_label("Vendor", exact=True).select_option("zhipu")
    expect(page.locator("#model-table .count")).to_contain_text("4 models")
    expect(tray).to_contain_text("(2/4)")
    expect(tray).to_contain_text("Hunyuan Pro")
    page.locator('a[data-sort="input"]').click()
    # (sorted by name, Embedding-3 comes first too: wait for the sorted table itself)
    expect(page.locator('th[aria-sort="ascending"] a[data-sort="input"]')).to_be_visible()
    expect(page).to_have_url(re.compile(r"sort=input"))
    assert "vendor=zhipu" in page.url
    assert "m=zhipu%2Fglm-4&m=tencent%2Fhunyuan-pro" in page.url
    expect(page.get_by_label("Compare GLM-4", exact=True)).to_be_checked()
    expect(page.get_by_label("Compare GLM-4-Air")).not_to_be_checked()
    expect(tray).to_contain_text("(2/4)")
    assert not_reloaded(page)
    # unticking takes it out of the tray and the URL
    page.get_by_label("Compare GLM-4", exact=True).uncheck()
    expect(tray).to_contain_text("(1/4)")
    assert "glm-4" not in page.url
    page.get_by_label("Compare GLM-4", exact=True).check()
    expect(tray).to_contain_text("(2/4)")
    # the URL alone brings the picks back
    page.goto(page.url)
    expect(tray).to_contain_text("(2/4)")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page).to_have_url(re.compile(r"/compare/\?m=zhipu%2Fglm-4&m=tencent%2Fhunyuan-pro"))
    expect(page.locator("#compare-page th[data-model]")).to_have_count(2)
    expect(page.locator('#compare-page th[data-model="zhipu/glm-4"]')).to_be_visible()
    expect(page.locator('#compare-page th[data-model="tencent/hunyuan-pro"]')).to_be_visible()
    assert page.js_errors == []


def test_compare_fifth_pick_is_refused(page, live_server, catalog):
    picks = "m=zhipu/glm-4&m=zhipu/glm-4-air&m=zhipu/glm-long&m=tencent/hunyuan-pro"
    page.goto(f"{live_server.url}/models/?{picks}")
    tray = page.locator("#compare-tray")
    expect(tray).to_contain_text("(4/4)")
    page.get_by_label("Compare GPT-4o", exact=True).click()
    expect(tray).to_contain_text("Not added: GPT-4o. You can compare up to 4 models; remove one first.")
    expect(page.get_by_label("Compare GPT-4o", exact=True)).not_to_be_checked()
    assert "gpt-4o" not in page.url
    expect(page.locator("#live-status")).to_contain_text("Not added: GPT-4o")
    # make room, then the same tick works
    page.get_by_role("link", name="Remove GLM-Long from the comparison").click()
    expect(tray).to_contain_text("(3/4)")
    page.get_by_label("Compare GPT-4o", exact=True).check()
    expect(tray).to_contain_text("(4/4)")
    expect(tray).not_to_contain_text("Not added")
    assert page.js_errors == []


def test_switch_language_and_currency(page, live_server, catalog):
    page.goto(live_server.url + "/vendors/openai/")
    expect(page.locator(".vendor-models")).to_contain_text("$2.50")
    page.get_by_role("link", name="CNY").click()
    # 2.50 USD x 7 = 17.50 CNY
    expect(page.locator(".vendor-models")).to_contain_text("≈ ¥17.50")
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="从 OpenAI 迁移")).to_be_visible()
    # both choices are remembered on the next page
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("给搬家团队的优惠")
    expect(page.locator("#zhipu-move")).to_contain_text("特别搬家计划")
    expect(page.locator("#zhipu-move")).to_contain_text("¥5100")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Offers for teams that move")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/models/",
        "/vendors/zhipu/",
        "/vendors/zhipu/models/glm-4/",
        "/compare/?m=zhipu/glm-4&m=zhipu/glm-4-air",
    ],
)
def test_pages_fit_a_phone(phone_page, live_server, catalog, path):
    phone_page.goto(live_server.url + path)
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert phone_page.js_errors == []


def test_keyboard_reaches_the_filters(page, live_server, catalog):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused


def test_switches_keep_filters_chosen_after_load(page, live_server, catalog):
    page.goto(live_server.url + "/models/")
    page.get_by_label("Vendor", exact=True).select_option("zhipu")
    expect(page.locator("#model-table .count")).to_contain_text("4 models")
    assert "vendor=zhipu" in page.url
    assert "kind=" not in page.url  # empty fields stay out of the URL
    page.get_by_role("link", name="CNY").click()
    expect(page.locator("#model-table .count")).to_contain_text("4 models")
    assert "vendor=zhipu" in page.url
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("#model-table .count")).to_contain_text("4 个模型")
    assert "vendor=zhipu" in page.url
