"""Celery tasks: called directly for their logic; through a real worker on the broker end to end."""

import datetime as dt
import json
import os
import signal
import uuid
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from offers.models import Price
from scrapers import tasks
from scrapers.base import FetchError, ParseError
from scrapers.models import ScrapeRun
from tests.factories import ModelFactory, PriceFactory, ProviderFactory
from tests.workers import poll, require_services, start_worker, stop_worker, worker_env

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
        assert min(240, 30 * 2**n) <= tasks.retry_countdown(n) <= min(240, 90 * 2**n)


def test_timeouts_fit_together(settings):
    from config.celery import app

    # A retry (held unacknowledged until its ETA) plus the longest run must end before Redis hands
    # the message to another worker: 240 + 300 = 540 < 600. The lock outlives the hard time limit
    # (360 > 300), so it never frees itself under a live run; a dead worker's message comes back in
    # at most 600 s + kombu's restore interval.
    assert tasks.RETRY_CAP + tasks.TIME_LIMIT < app.conf.broker_transport_options["visibility_timeout"] == 600
    assert tasks.TIME_LIMIT < settings.BANJIA_SCRAPE_LOCK_SECONDS == 360
    assert tasks.refresh_source.acks_late
    assert tasks.refresh_source.reject_on_worker_lost


def _run_as(task_id, slug="deepseek"):
    """Call the task's body as the worker would, under a given Celery task id."""
    task = tasks.refresh_source
    task.push_request(id=task_id, retries=0, is_eager=False)
    try:
        return task.run(slug)
    finally:
        task.pop_request()


@pytest.mark.django_db
def test_redelivered_task_takes_over_its_own_dead_lock(monkeypatch):
    """The worker died mid-run: the lock and a `running` run carry the task id. The same message,
    delivered again, must run (not be skipped) and mark the dead run abandoned."""
    dead = ScrapeRun.objects.create(source="deepseek", started_at=timezone.now(), task_id="task-1")  # recent
    cache.set(tasks.lock_key("deepseek"), "task-1", 360)
    ran = []

    def run_source(slug, **kwargs):
        ran.append(kwargs["task_id"])
        run = ScrapeRun.objects.create(source=slug, started_at=timezone.now(), task_id=kwargs["task_id"],
                                       status="ok")  # fmt: skip
        return tasks.pipeline.RunResult(slug, [], run)

    monkeypatch.setattr(tasks.pipeline, "run_source", run_source)
    try:
        outcome = _run_as("task-1")
    finally:
        cache.delete(tasks.lock_key("deepseek"))
    assert outcome["status"] == "ok"
    assert ran == ["task-1"]
    dead.refresh_from_db()
    assert dead.status == "abandoned"
    assert "delivered again" in dead.error
    assert not ScrapeRun.objects.filter(status="skipped").exists()


@pytest.mark.django_db
def test_a_live_holder_still_makes_another_task_skip(monkeypatch):
    ScrapeRun.objects.create(source="deepseek", started_at=timezone.now(), task_id="task-1")
    cache.set(tasks.lock_key("deepseek"), "task-1", 360)
    monkeypatch.setattr(tasks.pipeline, "run_source", lambda *a, **k: pytest.fail("must not run"))
    try:
        assert _run_as("task-2")["status"] == "skipped"
        assert cache.get(tasks.lock_key("deepseek")) == "task-1"  # not stolen
    finally:
        cache.delete(tasks.lock_key("deepseek"))
    assert ScrapeRun.objects.get(status="running").task_id == "task-1"


@pytest.mark.django_db
def test_runs_past_the_time_limit_are_abandoned_once_and_retried(monkeypatch, settings):
    now = timezone.now()
    old = ScrapeRun.objects.create(
        source="zhipu", started_at=now - dt.timedelta(seconds=361), task_id="t-old"
    )
    fresh = ScrapeRun.objects.create(
        source="ecb", started_at=now - dt.timedelta(seconds=359), task_id="t-new"
    )
    queued = []
    monkeypatch.setattr(tasks.refresh_source, "delay", lambda slug, trigger: queued.append((slug, trigger)))
    assert tasks.reap_abandoned_runs() == ["zhipu"]
    assert queued == [("zhipu", "retry")]
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == ("abandoned", "running")
    assert old.finished_at is not None
    # A second reaper finds nothing to claim: the conditional UPDATE changed no row.
    assert tasks.reap_abandoned_runs() == []
    assert queued == [("zhipu", "retry")]


@pytest.mark.django_db
def test_a_lock_held_by_an_abandoned_run_is_taken_over(monkeypatch):
    """A different task whose holder is known dead (its run abandoned) does not wait for the TTL."""
    ScrapeRun.objects.create(source="deepseek", started_at=timezone.now() - dt.timedelta(seconds=400),
                             task_id="task-1")  # fmt: skip
    cache.set(tasks.lock_key("deepseek"), "task-1", 360)
    ran = []

    def run_source(slug, **kwargs):
        ran.append(kwargs["task_id"])
        return tasks.pipeline.RunResult(slug, [], ScrapeRun.objects.create(source=slug, started_at=timezone.now(),
                                                                         status="ok"))  # fmt: skip

    monkeypatch.setattr(tasks.pipeline, "run_source", run_source)
    try:
        assert _run_as("task-2")["status"] == "ok"
    finally:
        cache.delete(tasks.lock_key("deepseek"))
    assert ran == ["task-2"]
    assert ScrapeRun.objects.get(task_id="task-1").status == "abandoned"  # reaped by the task itself


def test_fan_out_queues_every_source_rates_and_feeds_first(monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.refresh_source, "delay", lambda slug, trigger: queued.append(slug))
    tasks.refresh_all_sources()
    assert queued[:5] == ["ecb", "fx-monthly", "litellm", "openrouter", "models-dev"]
    assert sorted(queued) == sorted(tasks.SLUGS)


# --- end to end: a real worker on the real broker, with PostgreSQL ---------------------------------


@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_worker_refreshes_a_source_from_a_local_server(page_server, settings):
    require_services()
    from config.celery import app

    assert not app.conf.task_always_eager, "the end-to-end test must go through the broker"
    page_server.routes["/pricing"] = [(200, {"Content-Type": "text/html; charset=utf-8"},
                                       (FIXTURES / "deepseek-en-peak.html").read_bytes())]  # fmt: skip
    url = page_server.url("/pricing")
    # The catalog: deepseek-chat input at 0.30 USD since 2025-01-01, read from this page.
    model = ModelFactory(provider=ProviderFactory(slug="deepseek"), slug="deepseek-chat")
    old = PriceFactory(model=model, kind="input", amount=D("0.30"), currency="USD", valid_from=dt.date(2025, 1, 1),
                       source_url=url, checked_on=dt.date(2025, 1, 1))  # fmt: skip
    queue = f"banjia-e2e-{uuid.uuid4().hex[:8]}"
    worker = start_worker(worker_env(settings, BANJIA_SCRAPE_URLS=json.dumps({"deepseek": [url]})), queue)
    try:
        tasks.refresh_source.apply_async(args=("deepseek",), queue=queue)
        run = poll(
            lambda: ScrapeRun.objects.filter(source="deepseek").exclude(status="running").first(), worker
        )
        if run is None:
            pytest.fail(f"no finished run within 90 s; worker output:\n{stop_worker(worker)}")
    finally:
        stop_worker(worker)
    # 2 models x 3 kinds, at peak (all day) and off-peak
    assert (run.status, run.trigger, run.observations) == ("ok", "schedule", 12), run.error
    assert run.urls == [url]
    # The page's peak input price $0.27 is -10% from 0.30: within the threshold, so it goes live and
    # the old row is closed on the run date; other kinds are new slots and wait for review.
    old.refresh_from_db()
    assert old.valid_to is not None
    live = Price.objects.get(model=model, kind="input", status="approved", valid_to__isnull=True)
    assert (live.amount, live.method, live.valid_from) == (D("0.27"), "scraped", old.valid_to)
    # cached_input and output, and the three off-peak prices: new slots
    assert Price.objects.filter(model=model, status="pending").count() == 5
    assert Price.objects.filter(model=model, status="pending", time_window__isnull=False).count() == 3
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


@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_apply_is_replaced_and_the_refresh_finishes(page_server, settings, tmp_path):
    """SIGKILL a real worker inside the apply transaction; a second worker gets the message back
    from Redis (visibility timeout), takes over the dead worker's lock and finishes the refresh."""
    require_services()
    from config.celery import app

    assert not app.conf.task_always_eager, "the end-to-end test must go through the broker"
    page_server.routes["/pricing"] = [(200, {"Content-Type": "text/html; charset=utf-8"},
                                       (FIXTURES / "deepseek-en-peak.html").read_bytes())]  # fmt: skip
    url = page_server.url("/pricing")
    model = ModelFactory(provider=ProviderFactory(slug="deepseek"), slug="deepseek-chat")
    old = PriceFactory(model=model, kind="input", amount=D("0.30"), currency="USD", valid_from=dt.date(2025, 1, 1),
                       source_url=url, checked_on=dt.date(2025, 1, 1))  # fmt: skip
    queue = f"banjia-crash-{uuid.uuid4().hex[:8]}"
    env = worker_env(settings, BANJIA_SCRAPE_URLS=json.dumps({"deepseek": [url]}))
    gate = tmp_path / "gate"
    first = start_worker({**env, "BANJIA_TEST_APPLY_GATE": str(gate)}, queue)
    second = None
    try:
        sent = tasks.refresh_source.apply_async(args=("deepseek",), queue=queue)
        if not poll(lambda: (tmp_path / "gate.reached").exists(), first):
            pytest.fail(f"the first worker never reached the apply; output:\n{stop_worker(first)}")
        dead = ScrapeRun.objects.get(source="deepseek")
        assert (dead.status, dead.task_id) == ("running", sent.id)
        os.kill(first.pid, signal.SIGKILL)  # mid-apply: the transaction holds the first price change
        first.wait(timeout=20)
        # The second worker sees the unacknowledged message as lost after 2 s (600 s in production)
        # and checks for such messages every second (kombu: every 10 x 10 s by default).
        options = {"visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
        second = start_worker({**env, "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(options)}, queue)
        done = poll(lambda: ScrapeRun.objects.filter(source="deepseek", status="ok").first(), second)
        if done is None:
            pytest.fail(f"no finished run within 90 s; runs: "
                        f"{list(ScrapeRun.objects.values_list('status', 'task_id'))}; output:\n{stop_worker(second)}")  # fmt: skip
    finally:
        stop_worker(first)
        if second is not None:
            stop_worker(second)
    dead.refresh_from_db()
    assert dead.status == "abandoned"
    assert dead.finished_at is not None
    assert done.task_id == sent.id  # the same message, delivered again
    assert done.observations == 12  # 2 models x 3 kinds, peak (all day) and off-peak
    assert not ScrapeRun.objects.filter(status__in=["skipped", "running"]).exists()
    assert ScrapeRun.objects.count() == 2
    # Nothing of the killed apply survived; the new one closed the 0.30 row and opened 0.27 (-10%).
    old.refresh_from_db()
    assert old.valid_to is not None
    live = Price.objects.get(model=model, kind="input", status="approved", valid_to__isnull=True)
    assert (live.amount, live.valid_from) == (D("0.27"), old.valid_to)
    # the closed row, the live one and the pending off-peak input row
    assert Price.objects.filter(model=model, kind="input").count() == 3
    # cached_input and output, and the three off-peak prices: new slots
    assert Price.objects.filter(model=model, status="pending").count() == 5
    assert cache.get(tasks.lock_key("deepseek")) is None  # released by the second worker
