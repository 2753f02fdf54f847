"""Curation in the Django admin: staff only, review actions, flat query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from offers.models import MigrationProgram, Model, Price, Provider, today
from tests.factories import (
    BenefitFactory,
    MigrationProgramFactory,
    ModelFactory,
    ModelMappingFactory,
    PriceFactory,
)

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:offers_provider_changelist",
    "admin:offers_model_changelist",
    "admin:offers_price_changelist",
    "admin:offers_migrationprogram_changelist",
    "admin:offers_benefit_changelist",
    "admin:offers_modelmapping_changelist",
    "admin:offers_exchangerate_changelist",
]


def make_catalog(n_providers, models_per_provider, prices_per_model):
    providers = Provider.objects.bulk_create(
        Provider(slug=f"v{i}", name=f"Vendor {i}") for i in range(n_providers)
    )
    models = Model.objects.bulk_create(
        Model(provider=p, slug=f"m{j}", name=f"M{j}") for p in providers for j in range(models_per_provider)
    )
    Price.objects.bulk_create(
        Price(
            model=m,
            kind="input",
            amount=Decimal(k + 1),
            currency="CNY",
            valid_from=date(2024, 1, 1) + timedelta(days=k),
            valid_to=date(2024, 1, 2) + timedelta(days=k) if k < prices_per_model - 1 else None,
            source_url="https://example.com",
            checked_on=date(2024, 7, 1),
        )
        for m in models
        for k in range(prices_per_model)
    )
    for p in providers[:3]:
        program = MigrationProgramFactory(provider=p)
        BenefitFactory(program=program)
    ModelMappingFactory(model=models[0])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_admin_is_staff_only(client, django_user_model):
    url = reverse("admin:offers_price_changelist")
    assert client.get(url).status_code == 302  # to the login page
    user = django_user_model.objects.create_user("reader", password="pw-not-staff-123")
    client.force_login(user)
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelists_keep_a_flat_query_count(admin_client, name):
    url = reverse(name)
    make_catalog(n_providers=2, models_per_provider=5, prices_per_model=1)  # 10 prices
    small = count_queries(admin_client, url)
    Provider.objects.all().delete()
    make_catalog(n_providers=20, models_per_provider=50, prices_per_model=10)  # 20 x 50 x 10 = 10,000 prices
    assert Price.objects.count() == 10_000
    assert count_queries(admin_client, url) == small


def test_price_list_filters_and_search_are_flat_too(admin_client):
    url = reverse("admin:offers_price_changelist") + "?stale=yes&status__exact=approved&current=yes&q=m1"
    make_catalog(2, 5, 1)
    small = count_queries(admin_client, url)
    Provider.objects.all().delete()
    make_catalog(20, 50, 10)
    assert count_queries(admin_client, url) == small


def test_change_pages_render(admin_client):
    price = PriceFactory()
    program = MigrationProgramFactory()
    BenefitFactory(program=program)
    for url in (
        reverse("admin:offers_price_change", args=[price.pk]),
        reverse("admin:offers_model_change", args=[price.model.pk]),
        reverse("admin:offers_provider_change", args=[price.model.provider.pk]),
        reverse("admin:offers_migrationprogram_change", args=[program.pk]),
        reverse("admin:offers_price_add"),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_stale_filter_uses_thirty_days(admin_client):
    fresh = PriceFactory(checked_on=today() - timedelta(days=30))  # exactly 30 days: not stale yet
    stale = PriceFactory(checked_on=today() - timedelta(days=31), kind="output", model=fresh.model)
    response = admin_client.get(reverse("admin:offers_price_changelist") + "?stale=yes")
    assert list(response.context["cl"].result_list) == [stale]


def test_approving_a_pending_price_closes_the_current_one(admin_client):
    current = PriceFactory(amount=Decimal("100"), currency="CNY", valid_from=date(2024, 6, 1))
    pending = PriceFactory(
        model=current.model,
        amount=Decimal("40"),
        currency="CNY",
        valid_from=date(2026, 5, 1),
        status=Price.Status.PENDING,
        method=Price.Method.SCRAPED,
    )
    response = admin_client.post(
        reverse("admin:offers_price_changelist"),
        {"action": "approve", "_selected_action": [pending.pk]},
        follow=True,
    )
    assert response.status_code == 200
    current.refresh_from_db()
    pending.refresh_from_db()
    assert current.valid_to == date(2026, 5, 1)  # closed, kept as history
    assert current.amount == Decimal("100")
    assert pending.status == Price.Status.APPROVED
    assert pending.valid_to is None
    assert list(Price.objects.current(on=date(2026, 6, 1))) == [pending]
    assert list(Price.objects.current(on=date(2025, 1, 1))) == [current]


def test_approval_refuses_a_pending_price_older_than_the_current_one(admin_client):
    current = PriceFactory(valid_from=date(2026, 5, 1))
    pending = PriceFactory(model=current.model, valid_from=date(2026, 5, 1), status=Price.Status.PENDING)
    response = admin_client.post(
        reverse("admin:offers_price_changelist"),
        {"action": "approve", "_selected_action": [pending.pk]},
        follow=True,
    )
    assert "edit the dates first" in response.content.decode()
    pending.refresh_from_db()
    current.refresh_from_db()
    assert pending.status == Price.Status.PENDING
    assert current.valid_to is None


def test_reject_touches_only_pending_prices(admin_client):
    live = PriceFactory()
    pending = PriceFactory(model=live.model, kind="output", status=Price.Status.PENDING)
    admin_client.post(
        reverse("admin:offers_price_changelist"),
        {"action": "reject", "_selected_action": [live.pk, pending.pk]},
    )
    live.refresh_from_db()
    pending.refresh_from_db()
    assert (live.status, pending.status) == (Price.Status.APPROVED, Price.Status.REJECTED)


def test_end_programme_today_and_publish_actions(admin_client):
    running = MigrationProgramFactory(starts_on=date(2024, 6, 25), ends_on=None)
    ended = MigrationProgramFactory(starts_on=date(2024, 7, 1), ends_on=date(2024, 7, 31))
    url = reverse("admin:offers_migrationprogram_changelist")
    admin_client.post(url, {"action": "end_today", "_selected_action": [running.pk, ended.pk]})
    running.refresh_from_db()
    ended.refresh_from_db()
    assert running.ends_on == today()
    assert ended.ends_on == date(2024, 7, 31)  # already over: left as it was
    admin_client.post(url, {"action": "unpublish", "_selected_action": [running.pk]})
    assert not MigrationProgram.objects.get(pk=running.pk).is_published


def test_autocomplete_is_used_for_the_price_model(admin_client):
    ModelFactory(slug="glm-4")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "glm", "app_label": "offers", "model_name": "price", "field_name": "model"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]][0].endswith("/glm-4")


def test_actions_need_the_change_permission_not_only_staff(client, django_user_model):
    """Issue 10: a staff user who may only view programmes cannot end or unpublish them."""
    from django.contrib.auth.models import Permission

    program = MigrationProgramFactory(starts_on=date(2024, 6, 25), ends_on=None)
    url = reverse("admin:offers_migrationprogram_changelist")
    viewer = django_user_model.objects.create_user("viewer", password="pw-staff-123", is_staff=True)
    viewer.user_permissions.set([Permission.objects.get(codename="view_migrationprogram")])
    client.force_login(viewer)
    page = client.get(url)
    assert page.status_code == 200
    assert "end_today" not in page.content.decode()  # not offered...
    client.post(url, {"action": "end_today", "_selected_action": [program.pk]})
    client.post(url, {"action": "unpublish", "_selected_action": [program.pk]})
    program.refresh_from_db()
    assert (program.ends_on, program.is_published) == (None, True)  # ...and not run when posted
    nobody = django_user_model.objects.create_user("clerk", password="pw-staff-123", is_staff=True)
    client.force_login(nobody)
    assert client.get(url).status_code == 403
