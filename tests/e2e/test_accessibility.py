"""Accessibility in a real browser: axe-core on every public page, in both languages, on a desktop
and a phone; and the keyboard on the offer board, the estimate form and the copy buttons.

axe-core comes from the pinned `axe-playwright-python` package (requirements-dev.txt), which ships
axe.min.js, so the audit runs offline. Only axe's own script is used from it: the test runs
`axe.run` itself and fails on the violations whose impact is serious or critical, and on the
serious or critical results axe leaves for review ("incomplete") except colour contrast, which axe
cannot measure on SVG text or on symbols such as ✓ and ≈ (those colours were checked by hand).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from offers.web.estimate.query import lines_query
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import build_browse_catalog

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}
# Results axe cannot decide and a person has checked instead (see the module docstring).
REVIEWED = {"color-contrast"}


def axe_script():
    try:
        from axe_playwright_python.base import AXE_FILE_PATH
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("axe-playwright-python is missing: pip install -r requirements-dev.txt")
        pytest.skip("axe-playwright-python is not installed")
    return Path(AXE_FILE_PATH).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def axe():
    return axe_script()


@pytest.fixture
def catalog(transactional_db):
    return build_browse_catalog()


def estimate_url(base):
    line = {
        "model": "gpt-4o",
        "input_tokens": 30_000_000,
        "cached_input_tokens": 0,
        "output_tokens": 10_000_000,
    }
    query = lines_query([line], {"months": 12, "currency": "CNY"})
    return f"{base}/estimate/?{query.urlencode()}"


def audit(page, axe, label):
    """The serious and critical violations on the page as it is now, one line per rule."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe)
    results = page.evaluate(
        """() => axe.run(document).then(r => {
            const summary = (kind) => (v) => ({
                kind: kind, id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => [n.target.join(' '), n.failureSummary || '']),
            });
            return r.violations.map(summary('violation')).concat(r.incomplete.map(summary('needs review')));
        })"""
    )
    found = []
    for violation in results:
        if violation["impact"] not in BLOCKING:
            continue
        if violation["kind"] != "violation" and violation["id"] in REVIEWED:
            continue
        nodes = "\n".join(
            f"      {target}: {summary.splitlines()[-1].strip() if summary else ''}"
            for target, summary in violation["nodes"][:5]
        )
        more = len(violation["nodes"]) - 5
        found.append(
            f"  [{label}] {violation['id']} ({violation['impact']} {violation['kind']},"
            f" {len(violation['nodes'])} nodes):"
            f" {violation['help']}\n{nodes}" + (f"\n      ... and {more} more" if more > 0 else "")
        )
    return found


def visit_all(page, live_server, axe):
    """Every public page in the states a person sees, audited one after the other."""
    found = []
    base = live_server.url
    page.goto(base + "/")
    expect(page.locator("#offer-list article.card").first).to_be_visible()
    found += audit(page, axe, "offer board")

    page.goto(base + "/vendors/zhipu/")
    expect(page.locator("#snippet-python")).to_be_visible()
    found += audit(page, axe, "vendor page")

    page.goto(base + "/models/?vendor=zhipu")
    filters = page.locator("#model-filters details.filter-box")
    if filters.get_attribute("open") is None:
        filters.locator("summary").click()
    expect(page.locator("#id_q")).to_be_visible()
    found += audit(page, axe, "model table, filters open")

    page.goto(base + "/vendors/zhipu/models/glm-4/")
    expect(page.locator(".chart svg")).to_be_visible()
    found += audit(page, axe, "model page")

    page.goto(base + "/compare/?m=zhipu/glm-4&m=zhipu/glm-4-air")
    expect(page.locator("#compare-page th[data-model]")).to_have_count(2)
    found += audit(page, axe, "compare, two models")

    page.goto(estimate_url(base))
    expect(page.locator(".baseline")).to_be_visible()
    found += audit(page, axe, "estimate with a result")

    page.fill("#id_usage-0-input_tokens", "-5")
    expect(page.locator("#id_usage-0-input_tokens-errors")).not_to_be_empty()
    # the error arrives out of band; banjia.js then ties it to the field
    expect(page.locator("#id_usage-0-input_tokens")).to_have_attribute("aria-invalid", "true")
    found += audit(page, axe, "estimate with an invalid field")
    return found


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_serious_violations(browser, live_server, catalog, axe, language, viewport):
    context = browser.new_context(viewport=viewport, locale="en-US")
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        found = visit_all(page, live_server, axe)
        assert page.evaluate("document.documentElement.lang") == language
    finally:
        context.close()
    assert not found, "axe found serious or critical violations:\n" + "\n".join(found)


def focused(page):
    """What has the focus, and whether it shows a ring (an outline at least 2px wide)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                name: el.id || el.getAttribute('name') || el.textContent.trim().slice(0, 30),
                ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
            };
        }"""
    )


def tab_to(page, selector, limit=40):
    """Press Tab until the element matching selector has the focus; every stop shows a ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["ring"], f"no visible focus ring on {now['name']!r}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached in {limit} presses of Tab")


def test_keyboard_on_the_offer_board_filters(page, live_server, catalog):
    page.goto(live_server.url + "/")
    tab_to(page, "#id_vendor")  # skip link, header links and switches first: all with a ring
    for selector in ("#id_benefit", "#id_sort", "#id_active", ".filters button[type=submit]"):
        page.keyboard.press("Tab")
        expect(page.locator(selector)).to_be_focused()
        assert focused(page)["ring"], selector
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")  # "Active only": the expired Tencent programme goes
    expect(page.locator("#offer-list article.card")).to_have_count(1)
    expect(page.locator("#id_active")).to_be_focused()  # the form stays, only the list is swapped
    expect(page.locator("#live-status")).to_have_text("1 programme")
    assert page.js_errors == []


def test_keyboard_on_the_estimate_form(page, live_server, catalog):
    page.goto(estimate_url(live_server.url))
    tab_to(page, "#id_usage-0-model")
    tab_to(page, "button[name=add_line]", limit=8)  # through the line's fields and its remove button
    page.keyboard.press("Enter")
    expect(page.locator("tr.usage-line")).to_have_count(2)
    expect(page.locator("#id_usage-1-model")).to_be_focused()  # the new line, not <body>
    page.keyboard.press("Tab")
    page.keyboard.type("-5")
    expect(page.locator("#id_usage-1-input_tokens-errors")).not_to_be_empty()
    field = page.locator("#id_usage-1-input_tokens")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "id_usage-1-input_tokens-errors" in field.get_attribute("aria-describedby")
    tab_to(page, "button[name=add_line]", limit=12)
    page.keyboard.press("Space")
    expect(page.locator("tr.usage-line")).to_have_count(3)
    assert page.js_errors == []


def test_keyboard_copies_the_snippets(page, live_server, catalog):
    page.goto(live_server.url + "/vendors/zhipu/")
    tab_to(page, '[data-copy="snippet-python"]')
    page.keyboard.press("Space")
    expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")
    assert 'model="glm-4"' in page.evaluate("navigator.clipboard.readText()")
    tab_to(page, "summary:has(#snippet-node-title)")
    page.keyboard.press("Enter")  # unfold the Node.js snippet
    page.keyboard.press("Tab")
    expect(page.locator('[data-copy="snippet-node"]')).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#snippet-node")).to_be_visible()
    node = page.locator("#snippet-node").text_content()
    page.wait_for_function("(text) => navigator.clipboard.readText().then(t => t === text)", arg=node)
    assert page.js_errors == []
