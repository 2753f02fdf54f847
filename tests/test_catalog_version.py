"""Every catalog write bumps the catalog version inside its transaction (offers.version)."""

import os
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse

from offers.catalog import version
from offers.catalog.io import import_catalog
from offers.catalog.services import approve_price, reject_price
from offers.models import Benefit, CatalogVersion, ExchangeRate, MigrationProgram, Model, Price, Provider
from tests.factories import (
    BenefitFactory,
    ExchangeRateFactory,
    MigrationProgramFactory,
    ModelFactory,
    ModelMappingFactory,
    PriceFactory,
    ProviderFactory,
)

# Real commits and rollbacks: the version is read back as another process would see it.
pytestmark = pytest.mark.django_db(transaction=True)


def n():
    """The committed counter, read straight from the table (no memo)."""
    row = CatalogVersion.objects.filter(pk=1).values_list("n", flat=True).first()
    return row or 0


def bumps(write):
    before = n()
    write()
    return n() - before


def test_each_kind_of_save_and_delete_bumps():
    # Outside a transaction each save is its own write: one bump each.
    assert bumps(lambda: ProviderFactory(slug="zhipu")) == 1
    provider = Provider.objects.get(slug="zhipu")
    provider.name = "Zhipu AI"
    assert bumps(provider.save) == 1
    model = ModelFactory(provider=provider, slug="glm-4")
    price = PriceFactory(model=model)
    program = MigrationProgramFactory(provider=provider)
    benefit = BenefitFactory(program=program)
    openai = ModelFactory(provider=ProviderFactory(slug="openai"), slug="gpt-4o")
    mapping = ModelMappingFactory(openai_model=openai, model=model)
    rate = ExchangeRateFactory()
    for obj in (model, price, program, benefit, mapping, rate):
        assert bumps(obj.save) == 1, type(obj).__name__
    # The benefit's models (m2m): add, remove and clear each bump once.
    assert bumps(lambda: benefit.models.add(model)) == 1
    assert bumps(lambda: benefit.models.remove(model)) == 1
    benefit.models.add(model)
    assert bumps(benefit.models.clear) == 1
    for obj in (rate, mapping, benefit, price, program):
        assert bumps(obj.delete) == 1, type(obj).__name__
    # A cascade is one transaction (Collector.delete): the provider, its model and the OpenAI
    # mapping rows go together, one bump.
    assert bumps(provider.delete) == 1


def test_bulk_writes_bump():
    provider = ProviderFactory(slug="zhipu")
    assert bumps(lambda: Provider.objects.filter(slug="zhipu").update(name="Z")) == 1
    assert bumps(lambda: Provider.objects.filter(slug="nobody").update(name="Z")) == 0  # no row
    models = []
    assert bumps(lambda: models.extend(Model.objects.bulk_create([Model(provider=provider, slug="a")]))) == 1
    models[0].name = "A"
    assert bumps(lambda: Model.objects.bulk_update(models, ["name"])) == 1
    rates = [ExchangeRate(base="USD", quote="CNY", rate=Decimal("7.1"), date=date(2024, 7, 1))]
    assert bumps(lambda: ExchangeRate.objects.bulk_create(rates)) == 1
    assert bumps(lambda: MigrationProgram.objects.all().update(notes="x")) == 0  # nothing matched
    assert bumps(lambda: Model.objects.filter(slug="a").delete()) == 1


def test_one_bump_per_transaction():
    with transaction.atomic():
        provider = ProviderFactory(slug="zhipu")
        ModelFactory(provider=provider, slug="glm-4")
        Provider.objects.filter(pk=provider.pk).update(name="Z")
        before_commit = n()  # this connection sees its own uncommitted bump
    assert n() == before_commit


def test_rolled_back_write_does_not_bump():
    before = n()
    with transaction.atomic():
        ProviderFactory(slug="zhipu")
        transaction.set_rollback(True)
    assert n() == before
    assert not Provider.objects.exists()


def test_rolled_back_savepoint_does_not_swallow_the_next_bump():
    before = n()
    with transaction.atomic():
        try:
            with transaction.atomic():
                ProviderFactory(slug="zhipu")  # bumps inside the savepoint ...
                raise RuntimeError("roll back the savepoint")  # ... which takes the bump with it
        except RuntimeError:
            pass
        ProviderFactory(slug="tencent")  # so this write must bump again
    assert n() == before + 1
    assert list(Provider.objects.values_list("slug", flat=True)) == ["tencent"]


def test_import_bumps_and_dry_run_does_not():
    document = {
        "format": "banjia.catalog/1",
        "providers": [{"slug": "zhipu", "name": "Zhipu AI", "models": []}],
    }
    assert bumps(lambda: import_catalog(document, dry_run=True)) == 0
    assert bumps(lambda: import_catalog(document)) == 1


def test_review_bumps():
    price = PriceFactory(status=Price.Status.PENDING)
    assert bumps(lambda: approve_price(price)) == 1
    pending = PriceFactory(model=price.model, status=Price.Status.PENDING, valid_from=date(2024, 8, 1))
    assert bumps(lambda: reject_price(pending)) == 1  # a QuerySet.update


def test_through_table_bulk_write_bumps_when_asked():
    # Benefit.models.through has a plain manager: make_synthetic_catalog bumps by hand.
    benefit = BenefitFactory()
    model = ModelFactory()
    through = Benefit.models.through
    assert bumps(lambda: through.objects.bulk_create([through(benefit=benefit, model=model)])) == 0
    assert bumps(version.bump_catalog_version) == 1


def test_version_is_read_at_most_once_a_second(monkeypatch, django_assert_num_queries):
    clock = [1000.0]
    monkeypatch.setattr(version, "monotonic", lambda: clock[0])
    version.bump_catalog_version()  # the row exists (a previous test's flush removed it)
    with django_assert_num_queries(1):
        first = version.catalog_version()
        assert version.catalog_version() == first
    # Another process commits: simulated by a bare UPDATE, which this process's signals miss.
    CatalogVersion.objects.filter(pk=1).update(n=n() + 5)
    clock[0] += 0.9
    with django_assert_num_queries(0):
        assert version.catalog_version() == first
    clock[0] += 0.1  # one second after the read
    with django_assert_num_queries(1):
        assert version.catalog_version() != first


def test_own_write_is_seen_at_once(monkeypatch):
    monkeypatch.setattr(version, "monotonic", lambda: 1000.0)  # the clock stands still
    first = version.catalog_version()
    ProviderFactory(slug="zhipu")
    assert version.catalog_version() != first


def test_missing_row_is_recreated():
    CatalogVersion.objects.all().delete()
    assert version.catalog_version() == "0"
    ProviderFactory(slug="zhipu")
    assert n() == 1


@pytest.mark.postgres
def test_other_connection_sees_the_bump_only_after_commit():
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://...")
    import psycopg

    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        password=settings["PASSWORD"] or os.environ.get("PGPASSWORD"),
        autocommit=True,
    )

    def seen():
        return other.execute("SELECT n FROM offers_catalogversion WHERE id = 1").fetchone()[0]

    version.bump_catalog_version()  # the row exists (a previous test's flush removed it)
    try:
        before = seen()
        with transaction.atomic():
            ProviderFactory(slug="zhipu")
            assert seen() == before  # uncommitted: the other process still has the old version
        assert seen() == before + 1
    finally:
        other.close()


def test_admin_save_and_action_bump(admin_client):
    rate = ExchangeRateFactory()
    url = reverse("admin:offers_exchangerate_change", args=[rate.pk])
    data = {"base": "USD", "quote": "CNY", "rate": "7.2", "date": "2024-07-01", "source_url": ""}
    before = n()
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert n() == before + 1  # one change form save, one bump
    # The "unpublish" action is a QuerySet.update.
    provider = ProviderFactory(slug="zhipu")
    before = n()
    admin_client.post(
        reverse("admin:offers_provider_changelist"),
        {"action": "unpublish", "_selected_action": [provider.pk]},
    )
    assert not Provider.objects.get(pk=provider.pk).is_published
    assert n() == before + 1
