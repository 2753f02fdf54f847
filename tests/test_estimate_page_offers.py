"""The estimate page and today's offers: the "I am new at these vendors" switch (on by default),
when each programme was last seen, plans shown and never counted."""

import re

import pytest

from offers.web.estimate.query import lines_query
from tests.test_estimator_offers import catalog  # noqa: F401  (the fixture: a catalog written by hand)

pytestmark = pytest.mark.django_db
URL = "/estimate/"
LINES = [
    {"model": "gpt-4o", "input_tokens": 2_000_000, "cached_input_tokens": 0, "output_tokens": 1_000_000},
    {"model": "gpt-4o-mini", "input_tokens": 4_000_000, "cached_input_tokens": 0, "output_tokens": 1_000_000},
]


def page(client, vendor=None, **settings):
    """The estimate page, or (vendor) that vendor's detail, which lists its programmes."""
    query = lines_query(LINES, {"months": 3, "currency": "CNY", "as_of": "2026-08-15", **settings})
    url = URL if vendor is None else f"{URL}detail/{vendor}/"
    return client.get(f"{url}?{query.urlencode()}").content.decode()


def test_the_switch_is_on_by_default(client, catalog):  # noqa: F811
    html = client.get(URL).content.decode()
    assert "I am new at these vendors" in html
    box = re.search(r'<input[^>]*name="new_customer"[^>]*>', html).group(0)
    assert "checked" in box
    assert 'name="new_customer_shown" value="1"' in html


def test_new_accounts_count_and_say_when_last_seen(client, catalog):  # noqa: F811
    html = page(client, new_customer=True, new_customer_shown="1")
    # Alibaba: 36.48 CNY over 3 months with its 1M tokens per model (tests/test_estimator_offers.py).
    assert "36.48" in html
    assert "last seen on offer 2026-08-10" in page(
        client, "alibaba", new_customer=True, new_customer_shown="1"
    )
    zhipu = page(client, "zhipu", new_customer=True, new_customer_shown="1")
    assert "last seen on offer 2026-07-20" in zhipu  # Zhipu's pack
    assert "A plan: shown, never counted." in zhipu  # the GLM Coding Plan


def test_switched_off_leaves_new_account_offers_out(client, catalog):  # noqa: F811
    html = page(client, new_customer_shown="1")  # the box unticked: the marker alone
    assert "36.48" not in html  # Alibaba at its list price: 40.80
    detail = page(client, "alibaba", new_customer_shown="1")
    assert "for new accounts only, and you said you are not new at this vendor" in detail


def test_a_link_without_the_switch_reads_as_new(client, catalog):  # noqa: F811
    # A link made before the switch existed (no marker): the team is new, as the API's default.
    assert "36.48" in page(client)


def test_a_link_without_the_switch_shows_it_on(client, catalog):  # noqa: F811
    # The estimate counted the team as new; the form must say so, or submitting it again (the
    # marker and no tick) would quietly turn new-account offers off.
    html = page(client)
    box = re.search(r'<input[^>]*name="new_customer"[^>]*>', html).group(0)
    assert "checked" in box
    # and a query that unticked it (the marker alone) shows it off
    off = re.search(r'<input[^>]*name="new_customer"[^>]*>', page(client, new_customer_shown="1")).group(0)
    assert "checked" not in off
