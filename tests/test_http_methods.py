"""HTTP as clients expect: HEAD like GET without a body, 405 with Allow, refusals as one log line.

The requests go through Django's WSGI handler itself (not the test client, which drops HEAD
bodies on its own), so the body the server would send is what is checked.
"""

import io
import logging
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler

from offers import urls as offers_urls
from offers.api import urls as api_urls
from offers.models import Model
from tests.connections import keep_test_connection
from tests.factories import build_browse_catalog

pytestmark = pytest.mark.django_db


def wsgi(method, path, host="127.0.0.1"):
    """(status, headers, body bytes) of one request through the WSGI application."""
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "HTTP_HOST": host, "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(), "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
    }  # fmt: skip
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = int(status.split()[0]), dict(headers)

    with keep_test_connection():
        result = WSGIHandler()(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()
    return started["status"], started["headers"], body


def every_url():
    """One concrete path per URL pattern of offers.urls and offers.api_urls."""
    model = Model.objects.select_related("provider").order_by("pk").first()
    values = {"provider_slug": model.provider.slug, "model_slug": model.slug, "provider": model.provider.slug}
    paths = []
    for prefix, module in (("/", offers_urls), ("/api/v1/", api_urls)):
        for pattern in module.urlpatterns:
            route = str(pattern.pattern)
            for name, value in values.items():
                for kind in ("slug", "text"):
                    route = route.replace(f"<{kind}:{name}>", value)
            assert "<" not in route, route
            paths.append(prefix + route)
    return paths


@pytest.fixture
def catalog():
    return build_browse_catalog()


def test_every_url_pattern_is_covered(catalog):
    # 10 page patterns in offers.urls (tokens/ and a vendor's estimate detail included) + 4 in
    # offers.api.urls (tokenizers included)
    assert len(every_url()) == 14


def test_head_answers_like_get_without_a_body(catalog):
    for path in every_url():
        get_status, get_headers, get_body = wsgi("GET", path)
        head_status, head_headers, head_body = wsgi("HEAD", path)
        assert head_status == get_status, path
        assert head_body == b"", path
        if "Content-Length" in get_headers:
            assert head_headers["Content-Length"] == get_headers["Content-Length"] == str(len(get_body)), path
        assert head_headers.get("Content-Type") == get_headers.get("Content-Type"), path


def test_pages_answer_head_with_200(catalog):
    # the pages the hostile session found answering 405 to HEAD
    for path in [
        "/",
        "/models/",
        "/compare/",
        "/api/v1/catalog",
        "/api/v1/openapi.json",
        "/feeds/changes.rss",
    ]:
        assert wsgi("HEAD", path)[0] == 200, path


def test_trace_and_options_answer_405_with_allow(catalog):
    for path in every_url():
        for method in ("TRACE", "OPTIONS", "PUT", "DELETE"):
            status, headers, _ = wsgi(method, path)
            assert status == 405, (method, path)
            assert headers.get("Allow"), (method, path)
            assert method not in headers["Allow"]


def test_allow_names_what_the_page_serves(catalog):
    assert wsgi("TRACE", "/feeds/changes.rss")[1]["Allow"] == "GET, HEAD"
    assert wsgi("TRACE", "/estimate/")[1]["Allow"] == "GET, HEAD, POST"
    assert wsgi("POST", "/models/")[0] == 405
    assert wsgi("POST", "/feeds/changes.atom")[0] == 405
    # the API's estimate answers its own JSON 405 for anything but POST
    status, headers, body = wsgi("TRACE", "/api/v1/estimate")
    assert (status, headers["Allow"]) == (405, "POST")
    assert b'"method"' in body


def test_a_foreign_host_and_a_permission_denied_are_one_warning_line(catalog, client, django_user_model):
    # What the configured console handler writes (the one django.security and django.request use).
    console = logging.getLogger("django.security").handlers[0]
    assert console is logging.getLogger("django.request").handlers[0]
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        status, _, _ = wsgi("GET", "/", host="evil.example")
        staff = django_user_model.objects.create_user("clerk", password="pw-staff-123", is_staff=True)
        client.force_login(staff)
        forbidden = client.get("/admin/scrapers/scraperun/sources/").status_code
    finally:
        console.setStream(previous)
    assert (status, forbidden) == (400, 403)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines  # one line each, no traceback
    assert "evil.example" in lines[0]
    assert "ALLOWED_HOSTS" in lines[0]
    assert lines[1] == "Forbidden (Permission denied): /admin/scrapers/scraperun/sources/"


def test_the_filter_makes_an_error_with_a_traceback_one_warning_line():
    from config.log_filters import OneLineRefusals

    try:
        raise PermissionError("no")
    except PermissionError:
        record = logging.getLogger("django.security.DisallowedHost").makeRecord(
            "django.security.DisallowedHost", logging.ERROR, __file__, 1, "Invalid host %r\nsecond", ("x",),
            exc_info=sys.exc_info(),
        )  # fmt: skip
    assert OneLineRefusals().filter(record)
    assert (record.levelname, record.exc_info, record.getMessage()) == (
        "WARNING",
        None,
        "Invalid host 'x' second",
    )


def test_the_console_handler_carries_the_filter():
    from django.conf import settings

    console = settings.LOGGING["handlers"]["console"]
    assert console["filters"] == ["one_line_refusals"]
    assert settings.LOGGING["loggers"]["django.security"]["handlers"] == ["console"]


def test_a_view_that_serves_delete_itself_keeps_its_answer(client, django_user_model):
    # The watches API answers DELETE itself (no declared methods): the middleware leaves it alone;
    # an unknown watch is its own 404, not a 405.
    response = client.delete("/api/v1/watches/00000000-0000-0000-0000-000000000000")
    assert response.status_code != 405
    assert wsgi("TRACE", "/api/v1/watches")[0] == 405
