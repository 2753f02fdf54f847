"""The fetch module against a local HTTP server: allowlist, robots.txt, retries, timeouts."""

import pytest

from scrapers import http
from scrapers.base import FetchError, ForbiddenHost

HTML = "text/html; charset=utf-8"


@pytest.fixture
def fetcher(page_server, settings, monkeypatch):
    """Point the deepseek source at the local server (so 127.0.0.1:port is on the allowlist)."""
    settings.BANJIA_SCRAPE_URLS = {"deepseek": [page_server.url("/pricing")]}
    settings.BANJIA_SCRAPE_READ_TIMEOUT = 0.3
    settings.BANJIA_SCRAPE_CONNECT_TIMEOUT = 0.3
    settings.BANJIA_SCRAPE_ATTEMPTS = 3
    settings.BANJIA_SCRAPE_BACKOFF = 0.5
    waits = []
    monkeypatch.setattr(http, "sleep", waits.append)
    http.clear_robots_cache()
    yield waits
    http.clear_robots_cache()


def test_fetch_sends_a_descriptive_user_agent(page_server, fetcher, settings):
    page_server.routes["/pricing"] = [(200, {"Content-Type": HTML}, "<p>价格</p>".encode())]
    assert http.fetch(page_server.url("/pricing")) == "<p>价格</p>"
    path, headers = page_server.requests[-1]
    assert path == "/pricing"
    assert headers["User-Agent"] == settings.BANJIA_SCRAPE_USER_AGENT
    assert "Banjia" in headers["User-Agent"]


def test_500_then_200_is_retried_with_backoff(page_server, fetcher):
    page_server.routes["/pricing"] = [(500, {}, b"oops"), (200, {"Content-Type": HTML}, b"ok")]
    assert http.fetch(page_server.url("/pricing")) == "ok"
    assert [p for p, _ in page_server.requests if p == "/pricing"] == ["/pricing", "/pricing"]
    # one wait: 0.5 s x 2^0 with +-50% jitter
    assert len(fetcher) == 1
    assert 0.25 <= fetcher[0] <= 0.75


def test_429_honours_retry_after(page_server, fetcher):
    page_server.routes["/pricing"] = [(429, {"Retry-After": "7"}, b""), (200, {}, b"ok")]
    assert http.fetch(page_server.url("/pricing")) == "ok"
    assert fetcher == [7.0]


def test_persistent_5xx_is_a_transient_error_after_all_attempts(page_server, fetcher):
    page_server.routes["/pricing"] = [(503, {}, b"busy")]
    with pytest.raises(FetchError, match="HTTP 503 after 3 attempts") as exc:
        http.fetch(page_server.url("/pricing"))
    assert exc.value.transient
    assert len(fetcher) == 2  # waits between the three attempts


def test_404_fails_at_once_and_is_not_transient(page_server, fetcher):
    with pytest.raises(FetchError, match="HTTP 404") as exc:
        http.fetch(page_server.url("/pricing"))
    assert not exc.value.transient
    assert fetcher == []
    assert [p for p, _ in page_server.requests].count("/pricing") == 1


def test_read_timeout_is_retried_then_transient(page_server, fetcher):
    page_server.routes["/pricing"] = [(200, {}, b"late")]
    page_server.delay["/pricing"] = 2
    with pytest.raises(FetchError, match="timed out") as exc:
        http.fetch(page_server.url("/pricing"))
    assert exc.value.transient
    assert [p for p, _ in page_server.requests].count("/pricing") == 3


def test_redirect_to_a_host_outside_the_allowlist_is_refused(page_server, fetcher):
    page_server.routes["/pricing"] = [(302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")]
    with pytest.raises(ForbiddenHost, match="169.254.169.254"):
        http.fetch(page_server.url("/pricing"))


def test_redirect_within_the_allowlist_is_followed(page_server, fetcher):
    page_server.routes["/pricing"] = [(301, {"Location": "/pricing-v2"}, b"")]
    page_server.routes["/pricing-v2"] = [(200, {}, b"moved")]
    assert http.fetch(page_server.url("/pricing")) == "moved"


def test_urls_off_the_allowlist_are_never_requested(page_server, fetcher):
    with pytest.raises(ForbiddenHost):
        http.fetch("http://127.0.0.2:9/whatever")
    with pytest.raises(ForbiddenHost):
        http.fetch("file:///etc/passwd")
    assert page_server.requests == []


def test_robots_txt_is_respected(page_server, fetcher):
    page_server.routes["/robots.txt"] = [(200, {}, b"User-agent: *\nDisallow: /pricing\n")]
    with pytest.raises(ForbiddenHost, match="robots.txt"):
        http.fetch(page_server.url("/pricing"))
    assert "/pricing" not in [p for p, _ in page_server.requests]


def test_a_page_in_another_encoding_is_decoded(page_server, fetcher):
    page_server.routes["/pricing"] = [
        (200, {"Content-Type": "text/html; charset=gbk"}, "输入价格".encode("gbk"))
    ]
    assert http.fetch(page_server.url("/pricing")) == "输入价格"
