"""POST /api/v1/watches and DELETE /api/v1/watches/<id>."""

import pytest

from offers.catalog.io import import_catalog
from watches.models import Watch, token_hash

from .conftest import ESTIMATE, catalog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalog():
    import_catalog(catalog())


def post(client, body, **extra):
    return client.post("/api/v1/watches", body, content_type="application/json", **extra)


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ({"provider": "alpha"}, "provider"),
        ({"provider": "alpha", "model": "alpha-1"}, "model"),
        ({"offers": True, "audience": None}, "offers"),
        ({"offers": True, "audience": "anthropic"}, "offers"),
        ({"estimate": ESTIMATE, "threshold_percent": 5}, "estimate"),
    ],
)
def test_every_kind_is_made(client, subject, kind):
    response = post(client, {"watch": subject, "webhook_url": "http://127.0.0.1:9/hook"})
    assert response.status_code == 201
    body = response.json()
    watch = Watch.objects.get(pk=body["id"])
    assert watch.kind == kind
    assert watch.secret == body["secret"]
    assert watch.token_sha256 == token_hash(body["token"])  # the token itself is not kept
    assert body["manage_url"] == f"http://testserver/watches/w/{watch.key}/"
    assert watch.state is not None  # the baseline: what it sees now is not reported


def test_the_secret_is_shown_once(client):
    body = post(client, {"watch": {"provider": "alpha"}, "webhook_url": "http://127.0.0.1:9/hook"}).json()
    page = client.get(body["manage_url"].removeprefix("http://testserver"))
    assert page.status_code == 200
    assert body["secret"] not in page.content.decode()
    assert body["token"] not in page.content.decode()


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"watch": {"provider": "nobody"}, "webhook_url": "http://127.0.0.1:9/h"}, "watch.provider"),
        (
            {"watch": {"provider": "alpha", "model": "x"}, "webhook_url": "http://127.0.0.1:9/h"},
            "watch.model",
        ),
        (
            {"watch": {"offers": True, "audience": "google"}, "webhook_url": "http://127.0.0.1:9/h"},
            "watch.audience",
        ),
        (
            {"watch": {"estimate": ESTIMATE, "threshold_percent": -1}, "webhook_url": "http://127.0.0.1:9/h"},
            "watch.threshold_percent",
        ),
        (
            {
                "watch": {"estimate": {"usage": []}, "threshold_percent": 1},
                "webhook_url": "http://127.0.0.1:9/h",
            },
            "watch.estimate.usage",
        ),
        ({"watch": {}, "webhook_url": "http://127.0.0.1:9/h"}, "watch"),
        ({"watch": {"provider": "alpha"}}, "webhook_url"),
        ({"watch": {"provider": "alpha"}, "webhook_url": "https://10.0.0.1/h"}, "webhook_url"),
        ({"watch": {"provider": "alpha"}, "webhook_url": "https://169.254.169.254/h"}, "webhook_url"),
        ({"watch": {"provider": "alpha"}, "webhook_url": 5}, "webhook_url"),
        ({"watch": {"provider": "alpha"}, "webhook_url": "http://127.0.0.1:9/h", "x": 1}, "x"),
    ],
)
def test_refusals_name_the_path(client, body, path):
    response = post(client, body)
    assert response.status_code == 400
    assert path in response.json()["errors"]
    assert not Watch.objects.exists()


def test_loopback_is_refused_without_the_flag(client, settings):
    settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK = False
    for url in ("http://127.0.0.1:9/hook", "https://127.0.0.1/hook", "https://localhost/hook"):
        response = post(client, {"watch": {"provider": "alpha"}, "webhook_url": url})
        assert response.status_code == 400
        assert "webhook_url" in response.json()["errors"]


def test_bad_json_is_a_400(client):
    response = client.post("/api/v1/watches", b"{", content_type="application/json")
    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_delete_with_the_bearer_token(client):
    made = post(client, {"watch": {"provider": "alpha"}, "webhook_url": "http://127.0.0.1:9/hook"}).json()
    url = f"/api/v1/watches/{made['id']}"
    assert client.delete(url).status_code == 401
    assert client.delete(url, headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert (
        client.delete("/api/v1/watches/999", headers={"Authorization": f"Bearer {made['token']}"}).status_code
        == 404
    )
    assert Watch.objects.get().removed_at is None
    assert client.delete(url, headers={"Authorization": f"Bearer {made['token']}"}).status_code == 204
    assert Watch.objects.get().removed_at is not None
    assert client.delete(url, headers={"Authorization": f"Bearer {made['token']}"}).status_code == 404


def test_other_methods(client):
    assert client.get("/api/v1/watches").status_code == 405
    assert client.get("/api/v1/watches/1").status_code == 405


def test_creation_is_rate_limited_per_client(client, settings):
    settings.BANJIA_WATCH_RATE_LIMIT = "2/m"
    body = {"watch": {"provider": "alpha"}, "webhook_url": "http://127.0.0.1:9/hook"}
    assert post(client, body).status_code == 201
    assert post(client, body).status_code == 201
    refused = post(client, body)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "request" in refused.json()["errors"]
    # Another client is counted apart.
    assert post(client, body, REMOTE_ADDR="192.0.2.7").status_code == 201
    assert Watch.objects.count() == 3
