"""Concurrent writers of the catalog (issue 10, item 5): import_catalog and a scrape's apply on
the same new provider and models, on PostgreSQL, in both orders. The second writer waits on the
per-provider lock and then merges; neither fails on a unique constraint, nothing is lost."""

import datetime as dt
import threading
import time
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, connection, connections

from offers.catalog import services
from offers.catalog.io import import_catalog
from offers.models import Model, Price, Provider
from scrapers.apply import apply_observations
from scrapers.base import Observation
from scrapers.sources import get

URL = "https://api-docs.deepseek.com/quick_start/pricing"
DOCUMENT = {
    "format": "banjia.catalog/1",
    "providers": [
        {"slug": "deepseek", "name": "DeepSeek", "models": [
            {"slug": "deepseek-chat", "name": "DeepSeek-V3", "prices": [
                {"kind": "input", "amount": "0.27", "currency": "USD", "valid_from": "2025-01-01",
                 "source_url": URL, "checked_on": "2025-01-01"},
            ]},
        ]},
    ],
}  # fmt: skip
OBSERVATIONS = [
    Observation("deepseek", "deepseek", "deepseek", "deepseek-chat", "input", D("0.27"), "USD"),
    Observation("deepseek", "deepseek", "deepseek", "deepseek-chat", "output", D("1.10"), "USD"),
]
ON = dt.date(2025, 6, 1)


def other_backend_waits_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the view is frozen for the transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def do_import():
    return import_catalog(DOCUMENT)


def do_apply():
    return apply_observations(get("deepseek"), OBSERVATIONS, {o.slot: URL for o in OBSERVATIONS}, urls=[URL],
                              on=ON)  # fmt: skip


def race(first, jobs, monkeypatch):
    """Run `jobs` ({thread name: function}) in threads: `first` takes the provider lock and keeps it
    until another backend waits on it (bounded polling), then the others go. Returns (results,
    errors, seen_waiting); seen_waiting == [True] proves the second writer really waited."""
    holding = threading.Event()
    seen_waiting, errors, results = [], {}, {}

    def hook(slugs):
        if threading.current_thread().name != first:
            return  # a later writer: it got here only after the first committed
        holding.set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not other_backend_waits_on_a_lock():
            time.sleep(0.02)
        seen_waiting.append(other_backend_waits_on_a_lock())

    monkeypatch.setattr(services, "on_providers_locked", hook)

    def run(name, fn):
        try:
            results[name] = fn()
        except Exception as exc:  # the callers' assertions show it
            errors[name] = exc
        finally:
            connections.close_all()

    threads = {name: threading.Thread(target=run, args=(name, fn), name=name) for name, fn in jobs.items()}
    threads[first].start()
    assert holding.wait(timeout=30), f"the {first} never took the provider lock: {errors}"
    for name, thread in threads.items():
        if name != first:
            thread.start()
    for thread in threads.values():
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads.values())
    return results, errors, seen_waiting


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["import", "apply"])
def test_import_and_scrape_apply_racing_on_new_models_both_succeed(first, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://... (row locks)")
    results, errors, seen_waiting = race(first, {"import": do_import, "apply": do_apply}, monkeypatch)
    assert errors == {}
    assert seen_waiting == [True]  # the second writer really waited on the first one's lock

    provider = Provider.objects.get(slug="deepseek")
    model = Model.objects.get(provider=provider, slug="deepseek-chat")  # one model, not two
    approved = Price.objects.get(model=model, status="approved")
    assert (approved.kind, approved.amount, approved.valid_from) == ("input", D("0.27"), dt.date(2025, 1, 1))
    pending = {(p.kind, p.amount) for p in Price.objects.filter(model=model, status="pending")}
    if first == "import":
        # The apply found the imported price: input unchanged (its checked date moves), output new.
        assert results["apply"].unchanged == 1
        assert pending == {("output", D("1.10"))}
        assert approved.checked_on == ON
        assert results["import"].created == {"providers": 1, "models": 1, "prices": 1}
    else:
        # The apply created the provider and model with both prices pending (a new model); the import
        # then updated them and added its approved price.
        assert pending == {("input", D("0.27")), ("output", D("1.10"))}
        assert results["import"].created == {"prices": 1}
        assert results["import"].updated == {"models": 1, "providers": 1}
        assert provider.name == "DeepSeek"


# --- a review racing an import (issue 10, item 5: "import, scrape apply, admin review") ----------

OUTPUT_DOCUMENT = {
    "format": "banjia.catalog/1",
    "providers": [
        {"slug": "deepseek", "name": "DeepSeek", "models": [
            {"slug": "deepseek-chat", "name": "DeepSeek-V3", "prices": [
                {"kind": "input", "amount": "0.27", "currency": "USD", "valid_from": "2025-01-01",
                 "source_url": URL, "checked_on": "2025-01-01"},
                {"kind": "output", "amount": "1.10", "currency": "USD", "valid_from": "2025-01-01",
                 "source_url": URL, "checked_on": "2025-01-01"},
            ]},
        ]},
    ],
}  # fmt: skip


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["import", "review"])
def test_admin_review_racing_an_import_of_the_same_slot_never_hits_the_constraint(first, monkeypatch):
    """A pending output price (from a scrape) is approved while an import brings an approved
    output price for the same slot. Whoever comes second waits on the provider lock and then
    sees the first one's row: no IntegrityError, one current approved output price at the end."""
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://... (row locks)")
    import_catalog(DOCUMENT)  # provider, model, input price
    do_apply()  # the output price arrives pending (a new slot)
    pending = Price.objects.get(kind="output", status="pending")
    pending.valid_from = dt.date(2025, 6, 1)  # newer than the import's 2025-01-01 row
    pending.save()
    jobs = {
        "import": lambda: import_catalog(OUTPUT_DOCUMENT),
        "review": lambda: services.approve_price(pending),
    }
    _results, errors, seen_waiting = race(first, jobs, monkeypatch)
    assert seen_waiting == [True]
    assert not any(isinstance(e, IntegrityError) for e in errors.values()), errors
    current = Price.objects.filter(kind="output", status="approved", valid_to__isnull=True)
    assert current.count() == 1
    if first == "import":
        # the review then closes the imported 1.10 row on 2025-06-01 and makes its own row current
        assert errors == {}
        assert current.get().pk == pending.pk
        closed = Price.objects.get(kind="output", status="approved", valid_from=dt.date(2025, 1, 1))
        assert closed.valid_to == dt.date(2025, 6, 1)
    else:
        # the import then finds a current output price from another date and refuses, naming it
        assert set(errors) == {"import"}
        assert "already has a current output price" in str(errors["import"].errors)
        assert current.get().pk == pending.pk
