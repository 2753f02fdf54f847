"""Celery tasks: thin wrappers over scrapers.pipeline, taking source slugs.

Fetch errors that are transient (timeouts, 429, 5xx) are retried with exponential backoff and
jitter; parse errors and other failures are recorded on the run and not retried. acks_late is
safe because a run is idempotent: applying the same page twice changes nothing.

Crashes converge (see README, "When a worker dies"):
- A cache lock with an owner token keeps two runs of one source from overlapping (across workers
  when the cache is shared). Its TTL (BANJIA_SCRAPE_LOCK_SECONDS) is a little above the task's hard
  time limit, so a lock whose holder died frees itself.
- The owner token is the Celery task id. A message is only redelivered once its worker is gone
  (task_reject_on_worker_lost, or the broker's visibility timeout after a whole-worker crash), so
  a task that finds the lock held under its own id takes it over instead of recording `skipped`.
- A run left `running` past the lock TTL cannot still be alive: it is marked `abandoned` with a
  conditional UPDATE (only the caller that changed the row acts on it) and its source is queued
  again by `reap_abandoned_runs` (scheduled every 5 minutes).
"""

import datetime as dt
import logging
import random
import uuid

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import pipeline
from .base import FetchError, ScrapeError
from .models import ScrapeRun
from .sources import SLUGS, get

log = logging.getLogger(__name__)

MAX_RETRIES = 4
# A retry is a message with an ETA that a worker holds unacknowledged until it runs; with Redis it
# is redelivered after the visibility timeout, so countdown + TIME_LIMIT stays below that timeout
# (CELERY_BROKER_VISIBILITY_TIMEOUT, 600 s by default: 240 + 300 < 600).
RETRY_CAP = 4 * 60
# BANJIA_SCRAPE_TIME_LIMIT (300 s by default); lowering it (with the lock that follows it) shortens
# how long a refresh takes to converge after its worker died.
TIME_LIMIT = settings.BANJIA_SCRAPE_TIME_LIMIT
SOFT_TIME_LIMIT = TIME_LIMIT * 4 // 5


def lock_key(slug):
    return f"scrapers:lock:{slug}"


def lock_seconds():
    return settings.BANJIA_SCRAPE_LOCK_SECONDS


def retry_countdown(retries):
    """Seconds before retry n: 60 x 2^n with +-50% jitter, capped at RETRY_CAP."""
    return min(RETRY_CAP, int(60 * (2**retries) * random.uniform(0.5, 1.5)))  # noqa: S311


def reap(slug=None, *, now=None):
    """Mark runs left `running` for longer than the lock TTL `abandoned`. Returns the sources of
    the runs this call claimed (each row is claimed by one conditional UPDATE, once)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=lock_seconds())
    stale = ScrapeRun.objects.filter(status=ScrapeRun.Status.RUNNING, started_at__lt=cutoff)
    if slug is not None:
        stale = stale.filter(source=slug)
    claimed = []
    for pk, source in stale.values_list("pk", "source"):
        if _abandon(pk, now, "no result within the time limit: the worker running it died"):
            claimed.append(source)
    return claimed


def _abandon(pk, now, reason):
    """UPDATE ... SET status = abandoned WHERE id = pk AND status = running: True for the one
    caller whose UPDATE changed the row."""
    changed = ScrapeRun.objects.filter(pk=pk, status=ScrapeRun.Status.RUNNING).update(
        status=ScrapeRun.Status.ABANDONED, finished_at=now, error=reason
    )
    return changed == 1


def acquire(slug, token):
    """Take the source's lock for `token`; True if it is now ours.

    A lock held under our own token is a redelivery of this very task after its worker died: take
    it over. A lock whose holder's runs were all abandoned is free too. Once the lock is ours, runs
    still `running` under our own task id are from that dead delivery: they are abandoned.
    """
    key = lock_key(slug)
    if not cache.add(key, token, timeout=lock_seconds()):
        holder = cache.get(key)
        if holder is None:  # expired between the two calls
            if not cache.add(key, token, timeout=lock_seconds()):
                return False
        else:
            runs = ScrapeRun.objects.filter(source=slug, task_id=holder)
            holder_dead = holder == token or (
                runs.filter(status=ScrapeRun.Status.ABANDONED).exists()
                and not runs.filter(status=ScrapeRun.Status.RUNNING).exists()
            )
            if not holder_dead:
                return False  # held by a live run (or one that has not recorded itself yet)
            log.warning("refresh %s: task %s takes over the lock of dead task %s", slug, token, holder)
            cache.set(key, token, timeout=lock_seconds())
    now = timezone.now()
    own = ScrapeRun.objects.filter(source=slug, task_id=token, status=ScrapeRun.Status.RUNNING)
    for pk in own.values_list("pk", flat=True):
        _abandon(pk, now, "the worker running it died; the task was delivered again")
    return True


def release(slug, token):
    if cache.get(lock_key(slug)) == token:
        cache.delete(lock_key(slug))


@shared_task(
    bind=True,
    name="scrapers.refresh_source",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def refresh_source(self, slug, trigger=ScrapeRun.Trigger.SCHEDULE):
    """Fetch, parse and apply one source; returns the run's id, status and counts."""
    token = self.request.id or uuid.uuid4().hex
    reap(slug)
    if not acquire(slug, token):
        now = timezone.now()
        run = ScrapeRun.objects.create(source=slug, trigger=trigger, started_at=now, finished_at=now,
                                       task_id=token[:64], status=ScrapeRun.Status.SKIPPED,
                                       error="another run of this source is in progress")  # fmt: skip
        return {"run": run.pk, "source": slug, "status": run.status}
    try:
        result = pipeline.run_source(slug, trigger=trigger, task_id=token)
    except FetchError as exc:
        # In-process (no broker, eager) there is no queue to retry on: record the failure.
        if exc.transient and not self.request.is_eager and self.request.retries < self.max_retries:
            log.warning("refresh %s: %s; retrying", slug, exc)
            raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
        return _failed(slug, exc)
    except ScrapeError as exc:
        return _failed(slug, exc)
    finally:
        release(slug, token)
    run = result.run
    return {"run": run.pk, "source": slug, "status": run.status, "observations": run.observations,
            "changes": run.changes, "pending": run.pending}  # fmt: skip


def _failed(slug, exc):
    log.error("refresh %s failed: %s", slug, exc)
    run = ScrapeRun.objects.filter(source=slug).order_by("-started_at", "-id").first()
    return {"run": run.pk if run else None, "source": slug, "status": exc.status, "error": str(exc)}


@shared_task(name="scrapers.reap_abandoned_runs")
def reap_abandoned_runs():
    """Mark runs whose worker died `abandoned` and queue their sources again."""
    sources = sorted(set(reap()))
    for slug in sources:
        refresh_source.delay(slug, trigger=ScrapeRun.Trigger.RETRY)
    return sources


@shared_task(name="scrapers.refresh_all_sources")
def refresh_all_sources(trigger=ScrapeRun.Trigger.SCHEDULE):
    """Queue one refresh per source: exchange rates and feeds first, so vendor pages are
    cross-checked against fresh feed values when workers take tasks in order."""
    order = [s for s in SLUGS if get(s).KIND == "fx"] + [
        s for s in SLUGS if s in ("litellm", "openrouter", "models-dev")
    ]
    order += [s for s in SLUGS if s not in order]
    for slug in order:
        refresh_source.delay(slug, trigger=trigger)
    return order
