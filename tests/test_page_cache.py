"""Per-version caching (offers.page_cache): a repeated page, feed, export or estimate costs at most
the version check; a committed catalog write shows at once; nothing per-user is cached."""

import gzip
import json
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from offers.catalog import version
from offers.models import Price
from offers.web import page_cache
from tests.factories import PriceFactory, build_browse_catalog

# Committed data, as in production: a connection with uncommitted catalog writes never caches.
pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def catalog():
    return build_browse_catalog()


@pytest.fixture
def frozen_clock(monkeypatch):
    """The version memo never expires by itself: only this process's own writes refresh it."""
    monkeypatch.setattr(version, "monotonic", lambda: 1000.0)


def without_token(response):
    body = response.content.decode()
    found = TOKEN.search(body)
    return body.replace(found.group(1), "") if found else body


PAGES = [
    ("offers:home", (), {}),
    ("offers:models", (), {"sort": "-input"}),
    ("offers:vendor", ("zhipu",), {}),
    ("offers:model", ("zhipu", "glm-4"), {}),
    ("offers:compare", (), {"m": ["zhipu/glm-4", "tencent/hunyuan-pro"]}),
    ("offers:feed-rss", (), {}),
    ("offers:feed-atom", (), {}),
    (
        "offers:estimate",
        (),
        {
            "usage-TOTAL_FORMS": "1",
            "usage-INITIAL_FORMS": "0",
            "usage-0-model": "gpt-4o",
            "usage-0-input_tokens": "30M",
            "usage-0-output_tokens": "10M",
            "months": "12",
            "currency": "USD",
        },
    ),  # fmt: skip
]


@pytest.mark.parametrize(("name", "args", "params"), PAGES)
def test_repeated_page_costs_at_most_the_version_check(
    client, catalog, name, args, params, django_assert_max_num_queries
):
    url = reverse(name, args=args)
    first = client.get(url, params)
    assert first.status_code == 200
    # 1: the version check, when a second has passed since the last one; nothing else.
    with django_assert_max_num_queries(1):
        second = client.get(url, params)
    assert second.status_code == 200
    assert second["Content-Type"] == first["Content-Type"]
    assert without_token(second) == without_token(first)


def test_committed_write_is_shown_at_once(client, catalog, frozen_clock):
    url = reverse("offers:model", args=["zhipu", "glm-4"])
    assert "123.45" not in client.get(url, {"currency": "USD"}).content.decode()
    price = Price.objects.get(model=catalog["glm4"], kind=Price.Kind.OUTPUT, valid_to__isnull=True)
    price.amount = Decimal("123.45")
    price.currency = "USD"
    price.save()  # commits (autocommit) and bumps the version
    assert "123.45" in client.get(url, {"currency": "USD"}).content.decode()


def test_other_process_write_is_seen_within_a_second(client, catalog, monkeypatch, django_assert_num_queries):
    from offers.models import CatalogVersion

    clock = [1000.0]
    monkeypatch.setattr(version, "monotonic", lambda: clock[0])
    url = reverse("offers:model", args=["zhipu", "glm-4"])
    client.get(url)
    # Another process commits: the version moves without this process's signals.
    CatalogVersion.objects.filter(pk=1).update(n=999)
    clock[0] += 0.5
    with django_assert_num_queries(0):  # the cached body; the version read half a second ago holds
        client.get(url)
    clock[0] += 0.5
    # 1 the version check (999: a new key), then the model page's own 8 queries (test_views)
    with django_assert_num_queries(9):
        client.get(url)


def test_csrf_token_is_per_response_and_never_cached(catalog):
    url = reverse("offers:home")
    a, b = Client(), Client()
    first, second = a.get(url), b.get(url)
    tokens = [TOKEN.search(r.content.decode()).group(1) for r in (first, second)]
    assert tokens[0] != tokens[1]
    for response in (first, second):
        body = response.content.decode()
        assert page_cache.CSRF_PLACEHOLDER not in body
        assert "csrftoken" in response.cookies  # the token's cookie is set, as without the cache
        # The HTMX header carries the same token as the form.
        assert f'"X-CSRFToken": "{TOKEN.search(body).group(1)}"' in body
    # What the cache holds has the placeholder, not a token.
    key = page_cache.page_key(first.wsgi_request, "home")
    content, _status, _headers = cache.get(key)
    assert page_cache.CSRF_PLACEHOLDER.encode() in content
    assert tokens[0].encode() not in content
    assert tokens[1].encode() not in content


def test_currency_and_language_have_their_own_bodies(client, catalog):
    url = reverse("offers:vendor", args=["zhipu"])
    usd = client.get(url, {"currency": "USD"}).content.decode()
    cny = client.get(url, {"currency": "CNY"}).content.decode()
    assert usd != cny
    # The remembered cookie picks CNY without ?currency=: the CNY body, and the cookie is still set
    # per response (outside the cache).
    client.cookies["banjia_currency"] = "CNY"
    remembered = client.get(url).content.decode()
    assert 'data-currency="CNY" aria-current="true"' in remembered
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh-hans"' in zh
    assert 'lang="zh-hans"' not in remembered.split(">", 2)[1]


def test_htmx_fragment_and_full_page_are_cached_apart(client, catalog):
    url = reverse("offers:home")
    full = client.get(url).content.decode()
    fragment = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="offer-list").content.decode()
    assert "<html" in full
    assert "<html" not in fragment
    assert "<html" in client.get(url).content.decode()


def test_uncommitted_catalog_writes_are_never_cached(client, catalog, frozen_clock):
    from django.db import transaction

    url = reverse("offers:home")
    with transaction.atomic():
        PriceFactory(model=catalog["glm4"], kind=Price.Kind.INPUT, amount=Decimal("9"), currency="EUR")
        client.get(url)
        assert page_cache.enabled() is False
        key = page_cache.page_key(client.get(url).wsgi_request, "home")
        transaction.set_rollback(True)
    assert cache.get(key) is None


# --- /api/v1/catalog ------------------------------------------------------------------------------


def test_catalog_etag_304_and_gzip(client, catalog, django_assert_max_num_queries):
    url = reverse("api:catalog")
    plain = client.get(url)
    assert plain.status_code == 200
    assert "Accept-Encoding" in plain["Vary"]
    assert "Content-Encoding" not in plain
    document = json.loads(plain.content)
    assert [p["slug"] for p in document["providers"]][:2] == ["acme", "openai"]
    etag = plain["ETag"]
    assert etag == f'"catalog-{version.catalog_version()}"'
    with django_assert_max_num_queries(1):  # the version check at most
        zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
        not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert zipped["ETag"] != etag  # another representation, another tag
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    # A catalog write: a new version, a new tag, the old one no longer matches.
    PriceFactory(model=catalog["glm4"], kind=Price.Kind.INPUT, amount=Decimal("9"), currency="EUR")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert b'"currency": "EUR"' in changed.content


# --- estimates ------------------------------------------------------------------------------------


ESTIMATE = {"usage": [{"model": "gpt-4o", "input_tokens": 10_000_000, "output_tokens": 2_000_000}]}


def post(client, data):
    return client.post(reverse("api:estimate"), json.dumps(data), content_type="application/json")


def test_repeated_estimate_is_served_from_the_cache(client, catalog, django_assert_max_num_queries):
    first = post(client, ESTIMATE)
    with django_assert_max_num_queries(1):
        second = post(client, ESTIMATE)
    assert second.status_code == first.status_code
    assert second.content == first.content
    # Key order and defaults do not matter: the same parsed request, the same entry.
    same = {
        "months": 12,
        "usage": [{"output_tokens": 2_000_000, "input_tokens": 10_000_000, "model": "gpt-4o"}],
    }
    with django_assert_max_num_queries(1):
        assert post(client, same).content == first.content
    # Other tokens: another estimate, computed (and the snapshot read) afresh.
    other = {"usage": [{"model": "gpt-4o", "input_tokens": 20_000_000, "output_tokens": 2_000_000}]}
    assert post(client, other).content != first.content


def test_cached_estimate_equals_the_uncached_one(client, catalog, settings):
    cached = [post(client, ESTIMATE).content for _ in range(2)]
    settings.BANJIA_PAGE_CACHE = False
    assert post(client, ESTIMATE).content == cached[0] == cached[1]


# --- the estimate page ----------------------------------------------------------------------------

PAGE_QUERY = dict(PAGES[-1][2])


def test_estimate_page_is_cached_with_a_placeholder_token(catalog):
    url = reverse("offers:estimate")
    a, b = Client(), Client()
    first, second = a.get(url, PAGE_QUERY), b.get(url, PAGE_QUERY)
    tokens = [TOKEN.search(r.content.decode()).group(1) for r in (first, second)]
    assert tokens[0] != tokens[1]
    assert without_token(first) == without_token(second)
    content, _status, _headers = cache.get(page_cache.page_key(first.wsgi_request, "_estimate_get"))
    assert page_cache.CSRF_PLACEHOLDER.encode() in content
    assert tokens[0].encode() not in content


def test_estimate_download_and_upload_outcome_are_not_cached(client, catalog):
    url = reverse("offers:estimate")
    client.get(url, PAGE_QUERY)  # cached
    download = client.get(url, {**PAGE_QUERY, "download": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    # An upload's outcome is shown once, to its visitor: that page is rendered, not read from the cache.
    upload = b'{"object": "page", "data": [{"object": "bucket", "start_time": 1720569600, "end_time": 1720656000, "results": [{"object": "organization.usage.completions.result", "input_tokens": 1000000, "output_tokens": 500000, "input_cached_tokens": 0, "num_model_requests": 10, "model": "gpt-4o"}]}]}'
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(url, {"file": SimpleUploadedFile("usage.json", upload), "current": ""})
    assert response.status_code == 302
    shown = client.get(response["Location"])
    assert "Imported 1 model" in shown.content.decode()
    again = client.get(response["Location"])
    assert "Imported 1 model" not in again.content.decode()  # shown once, and not cached with it
