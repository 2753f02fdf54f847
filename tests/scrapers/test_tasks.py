"""Celery tasks: called directly for their logic; through a real worker on the broker end to end."""

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from decimal import Decimal as D
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from offers.models import Price
from scrapers import tasks
from scrapers.base import FetchError, ParseError
from scrapers.models import ScrapeRun
from tests.factories import ModelFactory, PriceFactory, ProviderFactory

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.django_db
def test_overlapping_run_is_skipped_and_recorded(monkeypatch):
    monkeypatch.setattr(tasks.pipeline, "run_source", lambda *a, **k: pytest.fail("must not run"))
    cache.set(tasks.lock_key("deepseek"), "someone else", 60)
    try:
        outcome = tasks.refresh_source("deepseek")
    finally:
        cache.delete(tasks.lock_key("deepseek"))
    assert outcome["status"] == "skipped"
    assert ScrapeRun.objects.get().status == "skipped"


@pytest.mark.django_db
def test_transient_fetch_errors_are_retried_then_given_up(monkeypatch):
    calls = []

    def flaky(slug, **kwargs):
        calls.append(slug)
        raise FetchError("timed out", transient=True)

    monkeypatch.setattr(tasks.pipeline, "run_source", flaky)
    retried = []

    class Retry(Exception):
        pass

    def retry(exc, countdown):
        retried.append((exc, countdown))
        return Retry()

    monkeypatch.setattr(tasks.refresh_source, "retry", retry)
    task = tasks.refresh_source
    task.push_request(retries=0)
    try:
        with pytest.raises(Retry):
            task.run("deepseek")
    finally:
        task.pop_request()
    assert len(retried) == 1
    assert 30 <= retried[0][1] <= 90
    task.push_request(retries=tasks.MAX_RETRIES)
    try:
        outcome = task.run("deepseek")
    finally:
        task.pop_request()
    assert outcome["status"] == "fetch_error"  # retries spent: recorded, not raised
    assert calls == ["deepseek", "deepseek"]
    assert len(retried) == 1
    assert cache.get(tasks.lock_key("deepseek")) is None  # the lock is released either way


@pytest.mark.django_db
def test_parse_errors_are_not_retried(monkeypatch):
    calls = []

    def broken(slug, **kwargs):
        calls.append(slug)
        raise ParseError("no table")

    monkeypatch.setattr(tasks.pipeline, "run_source", broken)
    outcome = tasks.refresh_source.apply(args=("deepseek",)).get()
    assert calls == ["deepseek"]
    assert outcome["status"] == "parse_error"


def test_retry_countdown_grows_with_jitter_and_a_cap():
    for n in range(8):
        assert min(1800, 30 * 2**n) <= tasks.retry_countdown(n) <= min(1800, 90 * 2**n)


def test_fan_out_queues_every_source_rates_and_feeds_first(monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.refresh_source, "delay", lambda slug, trigger: queued.append(slug))
    tasks.refresh_all_sources()
    assert queued[:5] == ["ecb", "fx-monthly", "litellm", "openrouter", "models-dev"]
    assert sorted(queued) == sorted(tasks.SLUGS)


# --- end to end: a real worker on the real broker, with PostgreSQL ---------------------------------


def _service_up(url, default_port):
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _require_services():
    db, broker = os.environ.get("DATABASE_URL", ""), os.environ.get("CELERY_BROKER_URL", "")
    if not db.startswith(("postgres://", "postgresql://")) or not broker.startswith(("redis://", "amqp://")):
        pytest.skip("needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...")
    if not (_service_up(db, 5432) and _service_up(broker, 6379 if broker.startswith("redis") else 5672)):
        message = f"PostgreSQL or the broker is not reachable ({db}, {broker})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_worker_refreshes_a_source_from_a_local_server(page_server, settings):
    _require_services()
    from config.celery import app

    assert not app.conf.task_always_eager, "the end-to-end test must go through the broker"
    page_server.routes["/pricing"] = [(200, {"Content-Type": "text/html; charset=utf-8"},
                                       (FIXTURES / "deepseek-en-peak.html").read_bytes())]  # fmt: skip
    url = page_server.url("/pricing")
    # The catalog: deepseek-chat input at 0.30 USD since 2025-01-01, read from this page.
    model = ModelFactory(provider=ProviderFactory(slug="deepseek"), slug="deepseek-chat")
    old = PriceFactory(model=model, kind="input", amount=D("0.30"), currency="USD", valid_from=dt.date(2025, 1, 1),
                       source_url=url, checked_on=dt.date(2025, 1, 1))  # fmt: skip
    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"banjia-e2e-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1", "CELERY_TASK_ALWAYS_EAGER": "0",
           "BANJIA_SCRAPE_URLS": json.dumps({"deepseek": [url]}), "PYTHONUNBUFFERED": "1"}  # fmt: skip
    if db.get("PASSWORD"):
        env["DATABASE_URL"] = database_url.replace(f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        tasks.refresh_source.apply_async(args=("deepseek",), queue=queue)
        deadline = time.monotonic() + 90
        run = None
        while time.monotonic() < deadline:
            run = ScrapeRun.objects.filter(source="deepseek").exclude(status="running").first()
            if run is not None or worker.poll() is not None:
                break
            time.sleep(0.5)
        if run is None:
            worker.terminate()
            output = worker.communicate(timeout=20)[0].decode(errors="replace")
            pytest.fail(f"no finished run within 90 s; worker output:\n{output[-4000:]}")
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    assert (run.status, run.trigger, run.observations) == ("ok", "schedule", 6), run.error
    assert run.urls == [url]
    # The page's peak input price $0.27 is -10% from 0.30: within the threshold, so it goes live and
    # the old row is closed on the run date; other kinds are new slots and wait for review.
    old.refresh_from_db()
    assert old.valid_to is not None
    live = Price.objects.get(model=model, kind="input", status="approved", valid_to__isnull=True)
    assert (live.amount, live.method, live.valid_from) == (D("0.27"), "scraped", old.valid_to)
    assert Price.objects.filter(model=model, status="pending").count() == 2  # cached_input and output
    assert [p for p, _ in page_server.requests] == ["/robots.txt", "/pricing"]


@pytest.mark.django_db
def test_in_process_runs_record_transient_errors_instead_of_retrying(monkeypatch):
    """Without a broker (eager), "Refresh now" must not raise Celery's Retry into the request."""

    def offline(slug, **kwargs):
        raise FetchError("https://api-docs.deepseek.com/robots.txt: ConnectError", transient=True)

    monkeypatch.setattr(tasks.pipeline, "run_source", offline)
    outcome = tasks.refresh_source.apply(args=("deepseek",)).get()
    assert outcome["status"] == "fetch_error"
    assert cache.get(tasks.lock_key("deepseek")) is None
