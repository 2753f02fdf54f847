"""Celery tasks: thin wrappers over scrapers.pipeline, taking source slugs.

Fetch errors that are transient (timeouts, 429, 5xx) are retried with exponential backoff and
jitter; parse errors and other failures are recorded on the run and not retried. acks_late is
safe because a run is idempotent: applying the same page twice changes nothing. A cache lock
keeps two runs of the same source from overlapping (across workers when the cache is shared).
"""

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
RETRY_CAP = 30 * 60


def lock_key(slug):
    return f"scrapers:lock:{slug}"


def retry_countdown(retries):
    """Seconds before retry n: 60 x 2^n with +-50% jitter, capped at 30 minutes."""
    return min(RETRY_CAP, int(60 * (2**retries) * random.uniform(0.5, 1.5)))  # noqa: S311


@shared_task(
    bind=True,
    name="scrapers.refresh_source",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=240,
    time_limit=300,
)
def refresh_source(self, slug, trigger=ScrapeRun.Trigger.SCHEDULE):
    """Fetch, parse and apply one source; returns the run's id, status and counts."""
    token = uuid.uuid4().hex
    if not cache.add(lock_key(slug), token, timeout=settings.BANJIA_SCRAPE_LOCK_SECONDS):
        now = timezone.now()
        run = ScrapeRun.objects.create(source=slug, trigger=trigger, started_at=now, finished_at=now,
                                       status=ScrapeRun.Status.SKIPPED, error="another run of this source is in progress")  # fmt: skip
        return {"run": run.pk, "source": slug, "status": run.status}
    try:
        result = pipeline.run_source(slug, trigger=trigger)
    except FetchError as exc:
        # In-process (no broker, eager) there is no queue to retry on: record the failure.
        if exc.transient and not self.request.is_eager and self.request.retries < self.max_retries:
            log.warning("refresh %s: %s; retrying", slug, exc)
            raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
        return _failed(slug, exc)
    except ScrapeError as exc:
        return _failed(slug, exc)
    finally:
        if cache.get(lock_key(slug)) == token:
            cache.delete(lock_key(slug))
    run = result.run
    return {"run": run.pk, "source": slug, "status": run.status, "observations": run.observations,
            "changes": run.changes, "pending": run.pending}  # fmt: skip


def _failed(slug, exc):
    log.error("refresh %s failed: %s", slug, exc)
    run = ScrapeRun.objects.filter(source=slug).order_by("-started_at", "-id").first()
    return {"run": run.pk if run else None, "source": slug, "status": exc.status, "error": str(exc)}


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
