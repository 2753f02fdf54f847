"""Hostile input to the watch API, form and pages: a clear refusal, never a 500 (SQLite and
PostgreSQL, which refuses NUL)."""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offers.catalog.io import import_catalog
from watches.models import Watch

from .conftest import catalog

pytestmark = pytest.mark.django_db

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SPECIAL = st.sampled_from(["\x00", "\ud800", "a\x00b", "²", "-1", "1e999", "NaN", "9" * 5000, "", " ", "alpha",
                           "alpha-1", "openai", "http://127.0.0.1:9/h", "https://10.0.0.1/", "x@example.com"])  # fmt: skip
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), SPECIAL, st.text(max_size=20))
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(SPECIAL | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(["watch", "webhook_url", "contact_email", "provider", "model", "offers", "audience",
                        "estimate", "threshold_percent"])  # fmt: skip
BODIES = st.dictionaries(KEYS, JSON, max_size=4) | st.fixed_dictionaries(
    {"watch": st.dictionaries(KEYS, JSON, max_size=3), "webhook_url": JSON}
)


@pytest.fixture(autouse=True)
def _catalog():
    import_catalog(catalog())


@FAST
@given(body=BODIES)
def test_api_bodies(client, body):
    response = client.post("/api/v1/watches", body, content_type="application/json")
    assert response.status_code in (201, 400), response.content
    if response.status_code == 400:
        assert response.json()["errors"]


# A form body is percent-encoded UTF-8: a lone surrogate arrives as U+FFFD, covered by "\ufffd".
FORM_TEXT = SPECIAL.filter(lambda v: v != "\ud800") | st.text(
    st.characters(blacklist_categories=("Cs",)), max_size=30
)


@FAST
@given(fields=st.dictionaries(st.sampled_from(["email", "kind", "provider", "model", "audience", "estimate",
                                                "threshold_percent"]), FORM_TEXT | st.just("\ufffd")))  # fmt: skip
def test_form_posts(client, fields):
    response = client.post("/watches/", fields)
    assert response.status_code in (200, 400)


@FAST
@given(secret=SPECIAL | st.text(min_size=1, max_size=40), token=SPECIAL | st.text(max_size=40))
def test_secret_paths_and_tokens(client, secret, token):
    part = quote(secret.encode("utf-8", "surrogatepass"), safe="")
    for url in (f"/watches/confirm/{part}/", f"/watches/unsubscribe/{part}/", f"/watches/manage/{part}/",
                f"/watches/w/{part}/", f"/watches/feed/{part}.atom"):  # fmt: skip
        assert client.get(url).status_code == 404
        assert client.post(url).status_code in (403, 404)
    response = client.delete(f"/api/v1/watches/{part}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (401, 404)
    assert not Watch.objects.filter(removed_at__isnull=False).exists()
