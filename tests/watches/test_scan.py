"""What a scan reports (watches.scan): offers added, changed and ended; an estimate's savings
against its threshold; nothing twice."""

import datetime as dt
from decimal import Decimal

import pytest

from offers.catalog.io import import_catalog
from offers.models import MigrationProgram
from tests.factories import MigrationProgramFactory, ProviderFactory
from watches import scan, services
from watches.models import Change, Watch

from .conftest import ESTIMATE, catalog

pytestmark = pytest.mark.django_db


def webhook_watch(subject):
    watch, _token, _secret = services.create_webhook_watch(subject, "http://127.0.0.1:9/hook")
    return watch


def events(watch):
    return [(c.event, c.data.get("program") or c.data.get("model")) for c in watch.changes.order_by("id")]


def test_offers_added_changed_ended_and_the_audience_filter():
    acme = ProviderFactory(slug="acme", name="Acme")
    everyone = webhook_watch({"kind": "offers", "audience": ""})
    openai_only = webhook_watch({"kind": "offers", "audience": "openai"})
    claude_only = webhook_watch({"kind": "offers", "audience": "anthropic"})

    move = MigrationProgramFactory(
        provider=acme,
        slug="move",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2099, 1, 1),
        openai_users_only=True,
    )
    MigrationProgramFactory(
        provider=acme,
        slug="general",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2099, 1, 1),
        openai_users_only=False,
    )
    MigrationProgramFactory(
        provider=acme,
        slug="claude",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2099, 1, 1),
        audience="anthropic",
    )
    scan.scan()
    assert events(everyone) == [
        ("offer_added", "claude"),
        ("offer_added", "general"),
        ("offer_added", "move"),
    ]
    # "move" has no audience but is for OpenAI users only: it counts as theirs.
    assert events(openai_only) == [("offer_added", "move")]
    assert events(claude_only) == [("offer_added", "claude")]

    move.ends_on = dt.date(2098, 6, 30)
    move.save()
    scan.scan()
    [changed] = openai_only.changes.filter(event="offer_changed")
    assert changed.data["old"]["ends_on"] == "2099-01-01"
    assert changed.data["new"]["ends_on"] == "2098-06-30"

    # Ended yesterday (ends_on is inclusive).
    MigrationProgram.objects.filter(slug="move").update(
        ends_on=dt.date(2020, 1, 2), starts_on=dt.date(2020, 1, 1)
    )
    scan.scan()
    assert events(openai_only)[-1] == ("offer_ended", "move")
    assert events(everyone)[-1] == ("offer_ended", "move")


def test_a_second_scan_reports_nothing_and_an_older_scan_is_skipped():
    import_catalog(catalog())
    watch = webhook_watch({"kind": "provider", "provider_slug": "alpha"})
    import_catalog(catalog(alpha_input="0.80"))
    assert scan.scan() == [watch.pk]
    assert scan.scan() == []
    assert Change.objects.count() == 1
    # A scan that read an older catalog version than the watch's state leaves it alone.
    Watch.objects.filter(pk=watch.pk).update(state_version=10**9, state={"prices": {}, "programs": {}})
    assert scan.scan() == []


def test_model_watch_sees_only_its_model():
    import_catalog(catalog())
    beta = webhook_watch({"kind": "model", "provider_slug": "beta", "model_slug": "beta-1"})
    alpha = webhook_watch({"kind": "model", "provider_slug": "alpha", "model_slug": "alpha-1"})
    import_catalog(catalog(alpha_input="0.80"))
    assert scan.scan() == [alpha.pk]
    assert not beta.changes.exists()


@pytest.mark.parametrize(
    ("threshold", "reasons"),
    [
        # alpha-1 input 1.00 -> 1.50: alpha 1.50 + 4.00 = 5.50 still beats beta's 6.50; savings
        # 12.50 - 5.00 = 7.50 -> 12.50 - 5.50 = 7.00, a move of 0.50 / 7.50 = 6.67 %.
        ("5", ["savings", "price"]),
        ("6.66", ["savings", "price"]),
        ("6.67", ["price"]),
        ("10", ["price"]),
    ],
)
def test_estimate_savings_threshold(threshold, reasons):
    import_catalog(catalog())
    watch = webhook_watch(
        {"kind": "estimate", "estimate_request": ESTIMATE, "threshold_percent": Decimal(threshold)}
    )
    import_catalog(catalog(alpha_input="1.50"))
    scan.scan()
    [change] = watch.changes.all()
    assert change.data["reasons"] == reasons
    assert change.data["old"]["recommended"] == change.data["new"]["recommended"] == "alpha"
    assert change.data["new"]["savings"] == {"amount": "7.00", "currency": "USD"}


def test_recommended_is_read_from_the_response_when_present():
    assert (
        scan.recommended_of({"recommended": {"provider": "beta"}, "alternatives": [{"provider": "alpha"}]})
        == "beta"
    )
    assert scan.recommended_of({"recommended": "beta", "alternatives": []}) == "beta"
    assert scan.recommended_of({"alternatives": [{"provider": "alpha"}]}) == "alpha"
    assert scan.recommended_of({"alternatives": []}) is None
