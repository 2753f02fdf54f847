"""Watches: who asked to be told about which part of the catalog, what changed, what was sent.

A Watch names what it follows (a vendor, a model, the offers, or a saved estimate) and where to
tell (an email address, confirmed by a link, or a signed webhook). Each scan of the catalog
(watches.scan) records a Change per difference; Changes are grouped into Deliveries, one per
message, each with an idempotency key that a webhook receiver sees on every retry.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offers.models import MigrationProgram


def new_key():
    """A secret for a URL or a header: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(address: str) -> str:
    """Addresses are compared case-insensitively (what every real mail host does)."""
    return address.strip().lower()


class Subscriber(models.Model):
    """An email address that has asked for at least one watch. No account, no password: its
    secret `key` opens the manage page linked from every message."""

    email = models.EmailField(max_length=254, unique=True)
    key = models.CharField(max_length=64, unique=True, default=new_key, editable=False)
    language = models.CharField(max_length=16, blank=True, default="", help_text=_("Of the messages."))
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.email

    def get_absolute_url(self):
        return reverse("watches:manage", args=[self.key])


class WatchQuerySet(models.QuerySet):
    def live(self):
        """The watches a scan looks at: confirmed (email) or made (webhook), not removed."""
        return self.filter(confirmed_at__isnull=False, removed_at__isnull=True)


class Watch(models.Model):
    class Kind(models.TextChoices):
        PROVIDER = "provider", _("Vendor")
        MODEL = "model", _("Model")
        OFFERS = "offers", _("Offers")
        ESTIMATE = "estimate", _("Estimate")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")

    # The programmes' own audiences (offers.MigrationProgram.audience): "openai", "anthropic".
    Audience = MigrationProgram.Audience

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What is watched, by slug (a watch outlives a vendor renaming its rows or leaving the catalog).
    provider_slug = models.CharField(max_length=64, blank=True, default="")
    model_slug = models.CharField(max_length=128, blank=True, default="")
    audience = models.CharField(max_length=16, choices=Audience.choices, blank=True, default="")
    estimate_request = models.JSONField(null=True, blank=True, help_text=_("The saved estimate request."))
    threshold_percent = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True,
        help_text=_("Tell when the recommended vendor's savings move by at least this percentage."),
    )  # fmt: skip

    channel = models.CharField(max_length=16, choices=Channel.choices)
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    webhook_url = models.URLField(max_length=1000, blank=True, default="")
    # The HMAC key the receiver checks signatures with; shown once, kept to sign.
    secret = models.CharField(max_length=64, blank=True, default="", editable=False)
    # SHA-256 of the Bearer token that deletes a webhook watch (the token itself is shown once).
    token_sha256 = models.CharField(max_length=64, blank=True, default="", editable=False)
    # An address told when the webhook is paused; mailed only once it confirmed by link.
    contact_email = models.EmailField(max_length=254, blank=True, default="")
    contact_confirmed_at = models.DateTimeField(null=True, blank=True)

    key = models.CharField(max_length=64, unique=True, default=new_key, editable=False)
    feed_key = models.CharField(max_length=64, unique=True, default=new_key, editable=False)

    # What the last scan saw, and the catalog version it read (a scan never goes backwards).
    state = models.JSONField(null=True, blank=True, editable=False)
    state_version = models.PositiveBigIntegerField(default=0, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(blank=True, default="")
    last_sent_at = models.DateTimeField(null=True, blank=True)

    objects = WatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # An email watch has an address; a webhook watch has a URL and no address.
            models.CheckConstraint(
                condition=models.Q(channel="email", subscriber__isnull=False)
                | models.Q(channel="webhook", subscriber__isnull=True) & ~models.Q(webhook_url=""),
                name="watches_watch_channel_target",
            ),
        ]
        indexes = [
            # Every scan reads the live watches (WatchQuerySet.live).
            models.Index(
                fields=["kind"],
                condition=models.Q(confirmed_at__isnull=False, removed_at__isnull=True),
                name="watches_watch_live_idx",
            ),
        ]

    def __str__(self):
        return f"{self.describe()} → {self.target()}"

    def get_absolute_url(self):
        return reverse("watches:watch", args=[self.key])

    def describe(self):
        if self.kind == self.Kind.PROVIDER:
            return _("vendor %(p)s") % {"p": self.provider_slug}
        if self.kind == self.Kind.MODEL:
            return _("model %(p)s/%(m)s") % {"p": self.provider_slug, "m": self.model_slug}
        if self.kind == self.Kind.OFFERS:
            if self.audience:
                return _("offers for %(a)s") % {"a": self.get_audience_display()}
            return _("offers")
        return _("a saved estimate")

    def target(self):
        return self.subscriber.email if self.subscriber_id else self.webhook_url

    def check_token(self, token: str) -> bool:
        return bool(self.token_sha256) and secrets.compare_digest(self.token_sha256, token_hash(token))

    def next_send_at(self):
        """When the next digest may go out (None: now)."""
        minutes = settings.BANJIA_WATCH_DIGEST_MINUTES
        if not minutes or self.last_sent_at is None:
            return None
        return self.last_sent_at + timedelta(minutes=minutes)


class Change(models.Model):
    """One difference a scan found for one watch, waiting for (or carried by) a delivery."""

    class Event(models.TextChoices):
        PRICE_CHANGED = "price_changed", _("Price changed")
        OFFER_ADDED = "offer_added", _("Offer added")
        OFFER_CHANGED = "offer_changed", _("Offer changed")
        OFFER_ENDED = "offer_ended", _("Offer ended")
        ESTIMATE_CHANGED = "estimate_changed", _("Estimate changed")

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="changes")
    event = models.CharField(max_length=32, choices=Event.choices)
    data = models.JSONField(help_text=_("What changed: names, old and new values, source."))
    catalog_version = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    delivery = models.ForeignKey(
        "Delivery", on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The changes not yet sent of one watch (delivery.collect).
            models.Index(
                fields=["watch"], condition=models.Q(delivery__isnull=True), name="watches_change_pending_idx"
            ),
        ]

    def __str__(self):
        return f"{self.event} {self.data.get('summary', '')}"


class Delivery(models.Model):
    """One message to one watch's target: its key stays the same over every retry."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Failed, will retry")
        FAILED = "failed", _("Failed, given up")

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="deliveries")
    key = models.UUIDField(unique=True, editable=False, help_text=_("The idempotency key."))
    event = models.CharField(max_length=32, choices=Change.Event.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("deliveries")
        indexes = [
            # Deliveries due again (tasks.retry_due_deliveries).
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="retrying"),
                name="watches_delivery_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.key} {self.status}"
