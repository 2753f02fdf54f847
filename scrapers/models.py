"""The record of every refresh run, and the latest snapshot of each aggregated feed."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from offers.models import AMOUNT_DIGITS


class ScrapeRunQuerySet(models.QuerySet):
    def good(self):
        return self.filter(status=ScrapeRun.Status.OK)

    def last_good_by_source(self):
        """{source slug: finished_at of its last successful run}."""
        rows = self.good().values("source").annotate(last=models.Max("finished_at"))
        return {row["source"]: row["last"] for row in rows}


class ScrapeRun(models.Model):
    """One run of one source: what was fetched, what it parsed to, what it changed."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("OK")
        FETCH_ERROR = "fetch_error", _("Fetch error")
        PARSE_ERROR = "parse_error", _("Parse error (layout changed)")
        NEEDS_JAVASCRIPT = "needs_javascript", _("Needs JavaScript")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (already running)")
        ABANDONED = "abandoned", _("Abandoned (the worker died)")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        ADMIN = "admin", _("Admin")
        CLI = "cli", _("Command line")
        RETRY = "retry", _("Retry of an abandoned run")

    source = models.CharField(max_length=32)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.SCHEDULE)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    observations = models.PositiveIntegerField(default=0, help_text=_("Prices or rates parsed."))
    changes = models.PositiveIntegerField(default=0, help_text=_("Prices that went live or rates stored."))
    pending = models.PositiveIntegerField(default=0, help_text=_("Prices left for review."))
    unchanged = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    page_hash = models.CharField(
        max_length=64, blank=True, default="", help_text=_("SHA-256 of the pages read.")
    )
    urls = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True, help_text=_("Discovered models, vanished prices, ..."))
    task_id = models.CharField(
        max_length=64, blank=True, default="", help_text=_("The Celery task (the lock owner) that ran it.")
    )

    objects = ScrapeRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [("refresh_source", _("Can refresh a price source now"))]
        indexes = [
            # "Last good run per source" in the admin's source overview.
            models.Index(fields=["source", "status", "finished_at"], name="scrapers_scraperun_last_idx"),
        ]

    def __str__(self):
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration(self):
        if self.finished_at and self.started_at:
            return self.finished_at - self.started_at
        return None


class FeedPrice(models.Model):
    """The latest value an aggregated feed gives for a catalog provider's model, used to
    cross-check vendor pages. Replaced wholesale by each successful run of its feed."""

    source = models.CharField(max_length=32)
    vendor = models.CharField(max_length=64)
    provider = models.CharField(max_length=64, help_text=_("Catalog provider slug."))
    model = models.CharField(max_length=128)
    kind = models.CharField(max_length=16)
    amount = models.DecimalField(**AMOUNT_DIGITS, help_text=_("Per 1,000,000 tokens."))
    currency = models.CharField(max_length=3)
    tier_min_input_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    tier_max_input_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    seen_on = models.DateField()

    class Meta:
        ordering = ["provider", "model", "kind", "source"]
        indexes = [
            # The cross-check looks up one provider's model in every feed.
            models.Index(fields=["provider", "model", "kind"], name="scrapers_feedprice_lookup_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="scrapers_feedprice_amount_gte_0"),
        ]

    def __str__(self):
        return f"{self.source}: {self.provider}/{self.model} {self.kind} {self.amount} {self.currency}/1M"
