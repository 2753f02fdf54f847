"""Through a real Celery worker on Redis (db 9) and PostgreSQL: a catalog change committed in this
process is scanned and delivered by the worker to a receiver on 127.0.0.1.

Run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/banjia_watches
CELERY_BROKER_URL=redis://127.0.0.1:6379/9 (skipped otherwise)."""

import hashlib
import hmac
from pathlib import Path

import pytest

from offers.catalog.io import import_catalog
from tests.workers import require_services, start_worker, stop_worker, worker_env
from watches import services
from watches.models import Delivery

from .conftest import catalog

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_scans_and_delivers_a_committed_change(settings, receiver):
    require_services()
    from config.celery import app

    assert not app.conf.task_always_eager, "this test must go through the broker"
    app.control.purge()  # db 9 is this test's own: nothing left over from an earlier run
    import_catalog(catalog())
    watch, _token, secret = services.create_webhook_watch(
        {"kind": "provider", "provider_slug": "alpha"}, receiver.url
    )
    worker = start_worker(
        worker_env(settings, BANJIA_WEBHOOK_ALLOW_LOOPBACK="1", BANJIA_WATCH_DIGEST_MINUTES="0",
                   BANJIA_SITE_URL="http://testserver")
    )  # fmt: skip
    try:
        import_catalog(catalog(alpha_input="0.80"))  # on commit: scan_watches queued on the broker
        if not receiver.arrived.wait(timeout=90):
            pytest.fail(f"no delivery within 90 s; worker output:\n{stop_worker(worker)}")
    finally:
        stop_worker(worker)
    [got] = receiver.requests
    expected = hmac.new(
        secret.encode(), got["headers"]["X-Banjia-Timestamp"].encode() + b"." + got["body"], hashlib.sha256
    ).hexdigest()
    assert got["headers"]["X-Banjia-Signature"] == f"sha256={expected}"
    [change] = receiver.bodies()[0]["changes"]
    assert (change["old"]["amount"], change["new"]["amount"]) == ("1.00", "0.80")
    delivery = Delivery.objects.get(watch=watch)
    assert str(delivery.key) == got["headers"]["X-Banjia-Delivery"]
