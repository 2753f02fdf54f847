"""Every catalog write reaches the watches: the signal is sent once per commit, never for a
rollback, and a review in the admin or a programme added in the admin is reported like an import."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from offers.catalog.io import import_catalog
from offers.catalog.version import catalog_changed
from offers.models import Model, Price
from tests.factories import PriceFactory, ProviderFactory
from watches import services

from .conftest import catalog

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def announced():
    seen = []

    def receiver(sender, using, **kwargs):
        seen.append(using)

    catalog_changed.connect(receiver, weak=False, dispatch_uid="test-announced")
    yield seen
    catalog_changed.disconnect(dispatch_uid="test-announced")


def test_once_per_committed_transaction_never_for_a_rollback(announced):
    with transaction.atomic():
        ProviderFactory(slug="a")
        ProviderFactory(slug="b")
    assert announced == ["default"]

    def rolled_back():
        with transaction.atomic():
            ProviderFactory(slug="c")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        rolled_back()
    assert announced == ["default"]
    import_catalog(catalog(), dry_run=True)
    assert announced == ["default"]
    import_catalog(catalog())
    assert announced == ["default", "default"]


def test_a_review_in_the_admin_reaches_the_webhook(admin_client, receiver):
    import_catalog(catalog())
    services.create_webhook_watch(
        {"kind": "model", "provider_slug": "beta", "model_slug": "beta-1"}, receiver.url
    )
    beta = Model.objects.get(slug="beta-1")
    pending = PriceFactory(
        model=beta,
        kind=Price.Kind.OUTPUT,
        amount="4.25",
        currency="USD",
        valid_from=dt.date(2025, 6, 1),
        status=Price.Status.PENDING,
        method=Price.Method.SCRAPED,
        source_url="https://example.com/beta-scraped",
    )
    assert receiver.requests == []  # a pending price is not a price yet
    admin_client.post(
        reverse("admin:offers_price_changelist"), {"action": "approve", "_selected_action": [pending.pk]}
    )
    [body] = receiver.bodies()
    [change] = body["changes"]
    assert (change["model"], change["kind"]) == ("beta-1", "output")
    assert change["old"]["amount"] == "5.00"
    assert change["new"]["amount"] == "4.25"
    assert change["source"] == "https://example.com/beta-scraped"


def test_an_offer_added_in_the_admin_reaches_the_webhook(admin_client, receiver):
    import_catalog(catalog())
    services.create_webhook_watch({"kind": "offers", "audience": ""}, receiver.url)
    alpha = ProviderFactory(slug="alpha")
    response = admin_client.post(
        reverse("admin:offers_migrationprogram_add"),
        {
            "provider": alpha.pk,
            "slug": "alpha-move",
            "name": "Alpha move",
            "starts_on": "2026-01-01",
            "ends_on": "2099-01-01",
            "source_urls": '["https://example.com/alpha-news"]',
            "confidence": "official",
            "is_published": "on",
            "benefits-TOTAL_FORMS": "0",
            "benefits-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        pytest.fail(response.context["adminform"].form.errors.as_text())
    [body] = receiver.bodies()
    assert body["event"] == "offer_added"
    assert body["changes"][0]["program"] == "alpha-move"
    assert body["changes"][0]["source"] == "https://example.com/alpha-news"
