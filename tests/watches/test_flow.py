"""End to end: watches made through the API and the page, a price changed by import_catalog, the
messages read from a real HTTP receiver and a real SMTP server on 127.0.0.1."""

import hashlib
import hmac
import json
import re

import pytest
from django.urls import reverse

from offers.catalog.io import import_catalog
from watches.models import Delivery, Watch

from .conftest import ESTIMATE, catalog

pytestmark = pytest.mark.django_db(transaction=True)


def make_webhook_watch(client, subject, url):
    response = client.post(
        "/api/v1/watches", {"watch": subject, "webhook_url": url}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_vendor_webhook_gets_a_signed_price_change(client, receiver):
    import_catalog(catalog())
    made = make_webhook_watch(client, {"provider": "alpha"}, receiver.url)
    assert set(made) == {"id", "token", "secret", "manage_url"}
    assert receiver.requests == []  # making a watch reports nothing

    import_catalog(catalog(alpha_input="0.80"))

    [got] = receiver.requests
    headers, raw = got["headers"], got["body"]
    # The signature, worked out here from the secret shown once: HMAC-SHA256 over "<ts>.<body>".
    expected = hmac.new(
        made["secret"].encode(), headers["X-Banjia-Timestamp"].encode() + b"." + raw, hashlib.sha256
    ).hexdigest()
    assert headers["X-Banjia-Signature"] == f"sha256={expected}"
    assert headers["X-Banjia-Event"] == "price_changed"
    body = json.loads(raw)
    assert body["event"] == "price_changed"
    assert body["delivery"] == headers["X-Banjia-Delivery"]
    assert body["watch"]["id"] == made["id"]
    assert body["watch"]["provider"] == "alpha"
    [change] = body["changes"]
    assert change["provider"] == "alpha"
    assert change["model"] == "alpha-1"
    assert change["kind"] == "input"
    assert change["old"] == {"amount": "1.00", "currency": "USD", "unit": "per 1M tokens"}
    assert change["new"] == {"amount": "0.80", "currency": "USD", "unit": "per 1M tokens"}
    assert change["source"] == "https://example.com/alpha-new"
    assert set(body) == {"event", "watch", "delivery", "changes", "sent_at"}
    delivery = Delivery.objects.get()
    assert str(delivery.key) == body["delivery"]
    assert delivery.status == Delivery.Status.SENT
    assert delivery.response_status == 200


def test_a_change_elsewhere_sends_nothing(client, receiver):
    import_catalog(catalog())
    make_webhook_watch(client, {"provider": "beta"}, receiver.url)
    import_catalog(catalog(alpha_input="0.80"))
    assert receiver.requests == []


def test_estimate_watch_told_when_the_recommendation_changes(client, receiver):
    import_catalog(catalog())
    make_webhook_watch(client, {"estimate": ESTIMATE, "threshold_percent": 50}, receiver.url)

    # alpha-1 input 1.00 -> 3.00: alpha costs 3.00 + 4.00 = 7.00, beta 1.50 + 5.00 = 6.50, so beta is
    # now the cheapest; the recommended vendor's savings go from 12.50 - 5.00 = 7.50 (alpha) to
    # 12.50 - 6.50 = 6.00 (beta): -20 %, under the 50 % threshold, so the reasons are the
    # recommendation and the price.
    import_catalog(catalog(alpha_input="3.00"))

    [body] = receiver.bodies()
    assert body["event"] == "estimate_changed"
    [change] = body["changes"]
    assert change["reasons"] == ["recommended", "price"]
    assert change["old"] == {
        "recommended": "alpha",
        "savings": {"amount": "7.50", "currency": "USD"},
        "savings_percent": "60.00",
    }
    assert change["new"] == {
        "recommended": "beta",
        "savings": {"amount": "6.00", "currency": "USD"},
        "savings_percent": "48.00",
    }
    [price] = change["prices"]
    assert (price["provider"], price["old"]["amount"], price["new"]["amount"]) == ("alpha", "1.00", "3.00")


def link(message, pattern):
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(rf"http://testserver(/watches/{pattern}/[^\s/]+/)", text)
    assert match, text
    return match.group(1)


def test_email_watch_through_the_page(client, smtp):
    import_catalog(catalog())
    page = client.post(
        reverse("watches:ask"), {"email": "Team@Example.com", "kind": "provider", "provider": "alpha"}
    )
    assert page.status_code == 200
    [(rcpt, confirmation)] = smtp.messages
    assert rcpt == ["team@example.com"]
    assert "confirm" in confirmation["Subject"].lower()

    # Nothing is sent before the link is followed.
    import_catalog(catalog(alpha_input="0.90"))
    assert len(smtp.messages) == 1

    confirm = link(confirmation, "confirm")
    assert client.get(confirm).status_code == 200  # a page with a button: a link checker confirms nothing
    assert Watch.objects.get().confirmed_at is None
    assert client.post(confirm).status_code == 200
    assert Watch.objects.get().confirmed_at is not None

    import_catalog(catalog(alpha_input="0.70"))
    [(rcpt, digest)] = smtp.messages[1:]
    assert rcpt == ["team@example.com"]
    text = digest.get_body(preferencelist=("plain",)).get_content()
    assert "Alpha Alpha 1 Input: 0.90 USD → 0.70 USD per 1M tokens" in text
    unsubscribe = link(digest, "unsubscribe")
    assert digest["List-Unsubscribe"].strip() == f"<http://testserver{unsubscribe}>"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link(digest, "manage") == Watch.objects.get().subscriber.get_absolute_url()

    # RFC 8058 one-click: a POST with that body, no cookie, no CSRF token.
    client.cookies.clear()
    response = client.post(
        unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert Watch.objects.get().removed_at is not None
    import_catalog(catalog(alpha_input="0.60"))
    assert len(smtp.messages) == 2
