"""Celery tasks of the watches: thin wrappers over watches.scan and watches.deliver, taking ids.

Without a broker (eager mode) they run in the process that committed the catalog change. A failed
delivery is tried again by the task itself when the wait is short (at most RETRY_CAP seconds,
below the broker's visibility timeout); longer waits are picked up by `send_due`, scheduled every
minute (in eager mode: `manage.py send_watch_deliveries`, e.g. from cron), which also sends the
digests whose window has ended.
"""

import logging
import random
import smtplib

from celery import shared_task
from django.utils import timezone

from . import deliver, scan
from .models import Delivery, Watch

log = logging.getLogger(__name__)

RETRY_CAP = 4 * 60


def on_catalog_changed(sender, using="default", **kwargs):
    """offers.catalog.version.catalog_changed receiver (connected in WatchesConfig.ready): queue a
    scan (run here and now without a broker)."""
    scan_watches.delay()


def _tell_owner(sender, watch_id, **kwargs):
    send_paused_notice.delay(watch_id)


deliver.watch_paused.connect(_tell_owner, dispatch_uid="watches-tell-owner-when-paused")


@shared_task(name="watches.scan_watches")
def scan_watches():
    """Compare every live watch with the catalog and queue deliveries for those that changed."""
    changed = scan.scan()
    for pk in changed:
        deliver_watch.delay(pk)
    return changed


@shared_task(name="watches.deliver_watch")
def deliver_watch(watch_id):
    """Group the watch's unsent changes into one delivery (if its window allows) and send it."""
    delivery = deliver.collect(watch_id)
    if delivery is not None:
        send_delivery.delay(delivery.pk)
        return str(delivery.key)
    return None


@shared_task(bind=True, name="watches.send_delivery", acks_late=True, reject_on_worker_lost=True)
def send_delivery(self, delivery_id):
    """One attempt; idempotent (a claimed attempt is never made twice)."""
    delivery = deliver.send(delivery_id)
    if delivery is None:
        return None
    if delivery.status == Delivery.Status.RETRYING and not self.request.is_eager:
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        if wait <= RETRY_CAP:
            countdown = max(1, int(wait * random.uniform(1.0, 1.2)))  # noqa: S311 (jitter)
            raise self.retry(countdown=countdown, max_retries=None)
    return delivery.status


@shared_task(name="watches.send_due")
def send_due():
    """Digests whose window ended and deliveries due for another attempt."""
    for pk in deliver.due_watch_ids():
        deliver_watch.delay(pk)
    ids = deliver.due_delivery_ids()
    for pk in ids:
        send_delivery.delay(pk)
    deliver.forget_unconfirmed()
    return ids


@shared_task(bind=True, name="watches.send_confirmation", max_retries=5)
def send_confirmation(self, watch_id, what="watch"):
    """The confirmation email; a mail server that is down is retried (1, 2, 4 ... minutes), and in
    process (no broker) the failure is logged, never raised into the page that asked."""
    watch = Watch.objects.select_related("subscriber").filter(pk=watch_id, removed_at__isnull=True).first()
    if watch is None:
        return None
    try:
        deliver.send_confirmation(watch, what)
    except (smtplib.SMTPException, OSError) as exc:
        if not self.request.is_eager and self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
        log.error("confirmation for watch %s not sent: %s", watch_id, exc)
        return "failed"
    return "sent"


@shared_task(name="watches.send_paused_notice")
def send_paused_notice(watch_id):
    watch = Watch.objects.filter(pk=watch_id).first()
    if watch is not None:
        deliver.send_paused_notice(watch)
