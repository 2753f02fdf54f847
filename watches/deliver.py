"""Sending a watch's changes: one delivery per digest window, by email or signed webhook, retried.

`collect` gathers a watch's unsent changes into one Delivery (at most one per watch per
BANJIA_WATCH_DIGEST_MINUTES); `send` makes one attempt at it. An attempt is claimed with a
conditional UPDATE (pending/retrying and due -> sending), so two workers holding the same task
never both send; the delivery's key (X-Banjia-Delivery, the payload's "delivery") stays the same
over every attempt, for receivers to drop repeats. A failed attempt waits 1, 2, 4 ... minutes (at
most 6 hours) before the next; after a day of failures the delivery is given up, the watch
paused, and the webhook's confirmed contact address told.
"""

import json
import logging
import smtplib
import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import scan, webhooks
from .models import Change, Delivery, Watch

log = logging.getLogger(__name__)

# Sent (watch_id=...) on commit when a webhook watch with a confirmed contact is paused; watches.tasks
# mails the contact.
watch_paused = Signal()

FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(days=1)
STUCK_AFTER = timedelta(minutes=10)  # an attempt still "sending" this long ago died with its worker
CONFIRM_SALT = "watches.confirm"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def site_url(path: str) -> str:
    return settings.BANJIA_SITE_URL.rstrip("/") + path


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 1 min x 2^(n-1), at most 6 hours."""
    return min(LONGEST_WAIT, FIRST_RETRY * 2 ** max(0, attempts - 1))


# --- grouping ---------------------------------------------------------------------------------


def due_watch_ids(now=None):
    """Watches with unsent changes whose digest window has passed."""
    now = now or timezone.now()
    minutes = settings.BANJIA_WATCH_DIGEST_MINUTES
    watches = Watch.objects.live().filter(paused_at__isnull=True, changes__delivery__isnull=True)
    if minutes:
        watches = watches.filter(
            Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - timedelta(minutes=minutes))
        )
    return sorted(set(watches.values_list("pk", flat=True)))


def collect(watch_id, now=None):
    """One Delivery of the watch's unsent changes, if its window allows one now; else None."""
    now = now or timezone.now()
    with transaction.atomic():
        watch = Watch.objects.live().select_for_update().filter(pk=watch_id, paused_at__isnull=True).first()
        if watch is None:
            return None
        next_at = watch.next_send_at()
        if next_at is not None and next_at > now:
            return None  # sent within the window: send_due picks the changes up when it ends
        pending = list(watch.changes.filter(delivery__isnull=True).order_by("created_at", "id"))
        if not pending:
            return None
        delivery = Delivery.objects.create(
            watch=watch, key=uuid.uuid4(), event=pending[0].event, created_at=now, next_attempt_at=now
        )
        Change.objects.filter(pk__in=[c.pk for c in pending]).update(delivery=delivery)
        watch.last_sent_at = now
        watch.save(update_fields=["last_sent_at"])
    return delivery


# --- the message ----------------------------------------------------------------------------


def watch_document(watch):
    return {
        "id": watch.pk,
        "kind": watch.kind,
        "provider": watch.provider_slug or None,
        "model": watch.model_slug or None,
        "audience": watch.audience or None,
        "threshold_percent": str(watch.threshold_percent) if watch.threshold_percent is not None else None,
        "manage_url": site_url(watch.get_absolute_url()),
        "feed_url": site_url(reverse("watches:feed", args=[watch.feed_key])),
    }


def payload(delivery, now):
    """The webhook body: {"event", "watch", "delivery", "changes", "sent_at"}; "event" is the
    first change's, and each change names its own."""
    changes = [c.data for c in delivery.changes.order_by("created_at", "id")]
    return {
        "event": delivery.event,
        "watch": watch_document(delivery.watch),
        "delivery": str(delivery.key),
        "changes": changes,
        "sent_at": now.isoformat(),
    }


def _send_webhook(delivery, now):
    body = json.dumps(payload(delivery, now), ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "User-Agent": "Banjia-Webhook/1",
        "X-Banjia-Event": delivery.event,
        "X-Banjia-Delivery": str(delivery.key),
        "X-Banjia-Timestamp": timestamp,
        "X-Banjia-Signature": webhooks.sign(delivery.watch.secret, timestamp, body),
    }
    return webhooks.post(delivery.watch.webhook_url, body, headers)


def unsubscribe_url(watch):
    return site_url(reverse("watches:unsubscribe", args=[watch.key]))


def _mail(to, subject, template, context, *, unsubscribe=None, language=None, headers=None):
    """Send one text + HTML message through Django's email backend (EMAIL_URL), in `language`."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = str(subject() if callable(subject) else subject)
        if "changes" in context:
            context["changes"] = [{**c, "summary": scan.summary(c)} for c in context["changes"]]
        context = {**context, "unsubscribe_url": unsubscribe, "subject": subject}
        text = render_to_string(f"watches/email/{template}.txt", context)
        html = render_to_string(f"watches/email/{template}.html", context)
    extra = {"Auto-Submitted": "auto-generated", **(headers or {})}
    if unsubscribe:
        # RFC 8058 one-click: a POST to this address with "List-Unsubscribe=One-Click" removes the watch.
        extra["List-Unsubscribe"] = f"<{unsubscribe}>"
        extra["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject, text, from_email=settings.BANJIA_WATCH_FROM_EMAIL, to=[to], headers=extra
    )
    message.attach_alternative(html, "text/html")
    message.send()


def _send_email(delivery, now):
    watch = delivery.watch
    changes = [c.data for c in delivery.changes.order_by("created_at", "id")]
    _mail(
        watch.subscriber.email,
        lambda: _("Banjia: %(n)s change(s) to %(what)s") % {"n": len(changes), "what": watch.describe()},
        "digest",
        {
            "watch": watch,
            "changes": changes,
            "manage_url": site_url(watch.subscriber.get_absolute_url()),
            "feed_url": site_url(reverse("watches:feed", args=[watch.feed_key])),
        },
        unsubscribe=unsubscribe_url(watch),
        language=watch.subscriber.language,
        headers={"X-Banjia-Delivery": str(delivery.key)},
    )


# --- one attempt ------------------------------------------------------------------------------


def send(delivery_id, now=None):
    """Make one attempt at a due delivery; returns it (None when it was not ours to send)."""
    now = now or timezone.now()
    claimed = (
        Delivery.objects.filter(
            pk=delivery_id, status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING]
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Delivery.Status.SENDING, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return None
    delivery = Delivery.objects.select_related("watch__subscriber").get(pk=delivery_id)
    watch = delivery.watch
    if watch.removed_at is not None:
        delivery.status = Delivery.Status.FAILED
        delivery.last_error = "the watch was removed"
        delivery.next_attempt_at = None
        delivery.save()
        return delivery
    try:
        if watch.channel == Watch.Channel.WEBHOOK:
            delivery.response_status = _send_webhook(delivery, now)
        else:
            _send_email(delivery, now)
    except (webhooks.UnsafeTarget, webhooks.SendError, smtplib.SMTPException, OSError) as exc:
        return _failed(delivery, exc, now)
    delivery.status = Delivery.Status.SENT
    delivery.sent_at = now
    delivery.next_attempt_at = None
    delivery.last_error = ""
    delivery.save()
    return delivery


def _failed(delivery, exc, now):
    log.warning("watch delivery %s failed: %s", delivery.key, exc)
    delivery.first_failed_at = delivery.first_failed_at or now
    delivery.last_error = f"{exc}"[:2000]
    delivery.response_status = getattr(exc, "status", None)
    if now - delivery.first_failed_at >= GIVE_UP_AFTER:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None
        delivery.save()
        pause(
            delivery.watch,
            _("Deliveries failed for a day; the last error: %(e)s") % {"e": delivery.last_error},
            now,
        )
    else:
        delivery.status = Delivery.Status.RETRYING
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        delivery.save()
    return delivery


def pause(watch, reason, now=None):
    """Pause a watch (once) and tell a webhook's confirmed contact."""
    now = now or timezone.now()
    if (
        Watch.objects.filter(pk=watch.pk, paused_at__isnull=True).update(paused_at=now, pause_reason=reason)
        != 1
    ):
        return False
    if watch.channel == Watch.Channel.WEBHOOK and watch.contact_email and watch.contact_confirmed_at:
        transaction.on_commit(lambda: watch_paused.send(sender=Watch, watch_id=watch.pk))
    return True


def resume(watch, now=None):
    """Unpause; the deliveries given up are tried again (their changes were never received)."""
    now = now or timezone.now()
    Watch.objects.filter(pk=watch.pk).update(paused_at=None, pause_reason="")
    return Delivery.objects.filter(watch=watch, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.RETRYING, first_failed_at=None, next_attempt_at=now
    )


def forget_unconfirmed(now=None):
    """Email watches never confirmed within a week (their link has expired) are deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=CONFIRM_MAX_AGE, days=1)
    return Watch.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff).delete()[0]


def due_delivery_ids(now=None):
    """Deliveries due for another attempt, and attempts whose worker died mid-send (made due)."""
    now = now or timezone.now()
    Delivery.objects.filter(status=Delivery.Status.SENDING, created_at__lte=now - STUCK_AFTER).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now - STUCK_AFTER)
    ).update(status=Delivery.Status.RETRYING, next_attempt_at=now)
    return list(
        Delivery.objects.filter(
            status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING], next_attempt_at__lte=now
        ).values_list("pk", flat=True)
    )


# --- confirmation and notices -------------------------------------------------------------


def confirm_token(watch, what="watch"):
    return signing.dumps({"w": watch.pk, "k": what}, salt=CONFIRM_SALT)


def read_confirm_token(token):
    """(watch id, "watch" | "contact") or None for a bad or expired token."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    return data.get("w"), data.get("k")


def send_confirmation(watch, what="watch"):
    to = watch.subscriber.email if what == "watch" else watch.contact_email
    _mail(
        to,
        lambda: _("Banjia: confirm your watch on %(what)s") % {"what": watch.describe()},
        "confirm" if what == "watch" else "contact",
        {
            "watch": watch,
            "confirm_url": site_url(reverse("watches:confirm", args=[confirm_token(watch, what)])),
        },
        language=watch.subscriber.language if watch.subscriber_id else None,
    )


def send_paused_notice(watch):
    _mail(
        watch.contact_email,
        _("Banjia: your webhook watch on %(what)s is paused") % {"what": watch.describe()},
        "paused",
        {"watch": watch, "manage_url": site_url(watch.get_absolute_url())},
    )
