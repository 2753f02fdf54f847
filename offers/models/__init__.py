"""The catalog: vendors, their models, dated token prices, migration programmes, mappings, FX.

Money is always a Decimal beside its currency; token prices are per 1,000,000 tokens. A value
nobody knows is NULL (or an absent row), never 0: 0 means free.

This is Django's models module for the app, the lowest layer: it imports nothing of offers but
its own dimensions.py (the pricing dimensions' pure functions, re-exported here). Bulk
writes announce themselves with `catalog_bulk_write`, which offers.catalog.version listens to.
"""

# size: the tables stay in one module, Django's models module of the app: the tables, their QuerySets
# and the small validators of their fields belong together and migrations read them from here.

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, Coalesce, Lower
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from offers.models.dimensions import WEEKDAYS as WEEKDAYS
from offers.models.dimensions import clean_time_window as clean_time_window
from offers.models.dimensions import dimensions_key as dimensions_key
from offers.models.dimensions import window_key as window_key

# Token prices per 1M tokens reach 1e-4 CNY (after dividing per-token feed prices) and
# six-figure amounts for image models; 24 digits with 10 places covers both exactly.
AMOUNT_DIGITS = {"max_digits": 24, "decimal_places": 10}
SLUG_HELP = _("Lowercase letters, digits and hyphens.")
# Sent after a bulk write of catalog rows (`QuerySet.update`, `bulk_create`), which sends no
# post_save; offers.catalog.version connects to it (connect_signals) and bumps the version.
catalog_bulk_write = Signal()


def _is_zh():
    return (get_language() or "").startswith("zh")


def today():
    return timezone.localdate()


def _version_salt():
    return secrets.token_hex(4)


class CatalogVersion(models.Model):
    """The catalog's version: one row whose counter every catalog write bumps in its transaction.

    Pages, the catalog export and estimates are cached under this version (offers.catalog.version), so
    nothing has to invalidate them. The salt is drawn when the row is created, so two databases
    sharing one cache (or a database emptied and filled again) never share a version.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    n = models.PositiveBigIntegerField(default=0)
    salt = models.CharField(max_length=16, default=_version_salt)

    class Meta:
        constraints = [
            # A single row: every writer bumps the same counter (and waits on its row lock).
            models.CheckConstraint(condition=Q(id=1), name="offers_catalogversion_single_row"),
        ]

    def __str__(self):
        return f"{self.n}.{self.salt}"


class CatalogQuerySet(models.QuerySet):
    """Bulk writes send no post_save, so they send `catalog_bulk_write`, which bumps the catalog
    version (`bulk_update` runs through `update`; `delete` sends post_delete per row; see
    offers.catalog.version)."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if rows:
            catalog_bulk_write.send(sender=self.model, using=self.db)
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            catalog_bulk_write.send(sender=self.model, using=self.db)
        return created

    bulk_create.alters_data = True


class ProviderQuerySet(CatalogQuerySet):
    def published(self):
        return self.filter(is_published=True)


class Provider(models.Model):
    slug = models.SlugField(max_length=64, unique=True, help_text=SLUG_HELP)
    name = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True, default="")
    website = models.URLField(max_length=500, blank=True, default="")
    pricing_url = models.URLField(max_length=500, blank=True, default="")
    docs_url = models.URLField(max_length=500, blank=True, default="")
    api_base_url = models.URLField(max_length=500, blank=True, default="")
    openai_compatible = models.BooleanField(null=True, blank=True, help_text=_("Empty means unknown."))
    region = models.CharField(max_length=16, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("offers:vendor", args=[self.slug])

    @property
    def display_name(self):
        """The Chinese name in the Chinese UI, where the catalog has one."""
        if self.name_zh and (get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name


class ModelQuerySet(CatalogQuerySet):
    def published(self):
        return self.filter(provider__is_published=True)


class Model(models.Model):
    """One model a vendor serves over its API; `slug` is the API model id."""

    class Kind(models.TextChoices):
        CHAT = "chat", _("Chat")
        EMBEDDING = "embedding", _("Embedding")
        IMAGE = "image", _("Image")
        AUDIO = "audio", _("Audio")

    CAPABILITIES = ("vision", "tools", "json", "reasoning", "web_search")

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="models")
    slug = models.CharField(max_length=128, help_text=_("The API model id."))
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CHAT)
    context_window = models.PositiveIntegerField(null=True, blank=True, help_text=_("Tokens."))
    max_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    capabilities = models.JSONField(default=list, blank=True)
    released_on = models.DateField(null=True, blank=True)
    deprecated_on = models.DateField(null=True, blank=True)
    tokenizer = models.CharField(
        max_length=64, blank=True, default="",
        help_text=_("A name in Banjia's tokenizer registry; empty means none is published (rule 9)."),
    )  # fmt: skip

    objects = ModelQuerySet.as_manager()

    class Meta:
        ordering = ["provider__slug", "slug"]
        constraints = [
            # A model id is unique within its vendor (the import's natural key).
            models.UniqueConstraint(fields=["provider", "slug"], name="offers_model_unique_provider_slug"),
        ]
        indexes = [
            # The model table sorts and filters by name and context window across vendors.
            models.Index(fields=["name"], name="offers_model_name_idx"),
            models.Index(fields=["context_window"], name="offers_model_context_idx"),
            # The model table's default sort: lower(name), then vendor and id (browse.model_queryset).
            models.Index(Lower("name"), "slug", name="offers_model_lower_name_idx"),
        ]

    def __str__(self):
        return f"{self.provider.slug}/{self.slug}"

    def get_absolute_url(self):
        return reverse("offers:model", args=[self.provider.slug, self.slug])

    def clean(self):
        unknown = set(self.capabilities or []) - set(self.CAPABILITIES)
        if unknown:
            raise ValidationError({"capabilities": _("Unknown capabilities: %s") % sorted(unknown)})


class PriceQuerySet(CatalogQuerySet):
    def approved(self):
        return self.filter(status=Price.Status.APPROVED)

    def current(self, on=None):
        """Approved rows in force on `on` (default today): valid_from <= on < valid_to."""
        on = on or today()
        return self.approved().filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on)

    def headline(self):
        """The rows a single "price of this model" means: standard tier, home region, all day, what
        an ordinary request pays (the reply-length band with no upper bound; any or non-thinking
        mode)."""
        return self.filter(
            Q(mode__isnull=True) | Q(mode=Price.Mode.NON_THINKING),
            service_tier=Price.ServiceTier.STANDARD,
            region__isnull=True,
            time_window__isnull=True,
            tier_max_output_tokens__isnull=True,
        )

    def stale(self, on=None):
        on = on or today()
        return self.filter(checked_on__lt=on - timedelta(days=settings.BANJIA_STALE_AFTER_DAYS))


class Price(models.Model):
    """One token price of a model, valid over [valid_from, valid_to), per 1M tokens."""

    class Kind(models.TextChoices):
        INPUT = "input", _("Input")
        CACHED_INPUT = "cached_input", _("Cached input")
        OUTPUT = "output", _("Output")
        CACHE_WRITE_5M = "cache_write_5m", _("Cache write (5 minutes)")
        CACHE_WRITE_1H = "cache_write_1h", _("Cache write (1 hour)")

    class Method(models.TextChoices):
        MANUAL = "manual", _("Manual")
        SCRAPED = "scraped", _("Scraped")

    class Confidence(models.TextChoices):
        OFFICIAL = "official", _("Official")
        REPORTED = "reported", _("Reported")
        DERIVED = "derived", _("Derived")

    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        PENDING = "pending", _("Pending review")
        REJECTED = "rejected", _("Rejected")

    class ServiceTier(models.TextChoices):
        STANDARD = "standard", _("Standard")
        BATCH = "batch", _("Batch")
        FLEX = "flex", _("Flex")
        PRIORITY = "priority", _("Priority")

    class Region(models.TextChoices):
        CN = "cn", _("Mainland China")
        INTL = "intl", _("International")

    class Mode(models.TextChoices):
        THINKING = "thinking", _("Thinking")
        NON_THINKING = "non_thinking", _("Non-thinking")

    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="prices")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(**AMOUNT_DIGITS, help_text=_("Per 1,000,000 tokens."))
    currency = models.CharField(max_length=3, help_text=_("ISO 4217 code, e.g. CNY."))
    tier_min_input_tokens = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=_("Inclusive prompt length; empty means 0.")
    )
    tier_max_input_tokens = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=_("Inclusive prompt length; empty means no upper bound.")
    )
    valid_from = models.DateField()
    valid_to = models.DateField(
        null=True, blank=True, help_text=_("Exclusive; empty means the price is current.")
    )
    source_url = models.URLField(max_length=1000)
    checked_on = models.DateField()
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.MANUAL)
    confidence = models.CharField(max_length=16, choices=Confidence.choices, default=Confidence.OFFICIAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.APPROVED)
    review_note = models.TextField(
        blank=True, default="", help_text=_("Why a scraped price waits for review.")
    )
    service_tier = models.CharField(
        max_length=16, choices=ServiceTier.choices, default=ServiceTier.STANDARD,
        help_text=_("OpenAI-style service tier: standard, batch, flex or priority."),
    )  # fmt: skip
    # NULL, not "": the format's null means "the provider's home prices" (catalog-format.md).
    region = models.CharField(  # noqa: DJ001
        max_length=8, choices=Region.choices, null=True, blank=True,
        help_text=_("Empty means the provider's home prices."),
    )  # fmt: skip
    time_window = models.JSONField(
        null=True, blank=True,
        help_text=_(
            'Empty means all day; else {"start": "00:30", "end": "08:30", "tz": "Asia/Shanghai", '
            '"days": null or ["mon", ...]}: the price of requests sent in that window.'
        ),
    )  # fmt: skip
    # Reply-length bands (rule 1): the output tokens of one request, inclusive.
    tier_min_output_tokens = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=_("Inclusive reply length of one request; empty means 0.")
    )
    tier_max_output_tokens = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text=_("Inclusive reply length of one request; empty means no upper bound."),
    )
    # NULL, not "": the format's null means "any mode" (rule 6).
    mode = models.CharField(  # noqa: DJ001
        max_length=16, choices=Mode.choices, null=True, blank=True,
        help_text=_("Empty means the price applies in any mode."),
    )  # fmt: skip
    note = models.TextField(
        blank=True, default="",
        help_text=_("E.g. the list price a permanent discount replaced, or the rule a derived price follows."),
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PriceQuerySet.as_manager()

    class Meta:
        ordering = ["model", "kind", "tier_min_input_tokens", "valid_from"]
        constraints = [
            # One current approved price per model, kind, tier, currency, service tier, region,
            # time window, reply-length band and mode: history rows are closed (valid_to set) rather than overwritten,
            # and pending rows never count.
            models.UniqueConstraint(
                F("model"),
                F("kind"),
                Coalesce(F("tier_min_input_tokens"), Value(0)),
                Coalesce(F("tier_max_input_tokens"), Value(-1)),
                F("currency"),
                F("service_tier"),
                Coalesce(F("region"), Value("")),
                Coalesce(Cast(F("time_window"), models.TextField()), Value("")),
                Coalesce(F("tier_min_output_tokens"), Value(0)),
                Coalesce(F("tier_max_output_tokens"), Value(-1)),
                Coalesce(F("mode"), Value("")),
                condition=Q(valid_to__isnull=True, status="approved"),
                name="offers_price_one_current_approved",
            ),
            # Prices are never negative; 0 means free.
            models.CheckConstraint(condition=Q(amount__gte=0), name="offers_price_amount_gte_0"),
            # A closed row ends after it starts.
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="offers_price_valid_to_after_from",
            ),
            # A tier's upper bound is not below its lower bound.
            models.CheckConstraint(
                condition=Q(tier_max_input_tokens__isnull=True)
                | Q(tier_min_input_tokens__isnull=True)
                | Q(tier_max_input_tokens__gte=F("tier_min_input_tokens")),
                name="offers_price_tier_ordered",
            ),
            # A reply-length band's upper bound is not below its lower bound.
            models.CheckConstraint(
                condition=Q(tier_max_output_tokens__isnull=True)
                | Q(tier_min_output_tokens__isnull=True)
                | Q(tier_max_output_tokens__gte=F("tier_min_output_tokens")),
                name="offers_price_output_band_ordered",
            ),
        ]
        indexes = [
            # Price lookups "current price of these models on date d" (estimator, pages).
            models.Index(fields=["model", "valid_from"], name="offers_price_model_from_idx"),
            # The admin's review queue and stale filter.
            models.Index(fields=["status", "checked_on"], name="offers_price_status_idx"),
            # "Current approved price of one kind for this model": the model table's price
            # sort and max-price filters look this up per row.
            models.Index(
                fields=["model", "kind", "valid_from"],
                condition=Q(status="approved"),
                name="offers_price_current_idx",
            ),
            # The changes feed: approved rows newest first, LIMIT 40 (browse.recent_changes),
            # read from the index instead of sorting every price.
            models.Index(
                F("valid_from").desc(),
                F("id").desc(),
                condition=Q(status="approved"),
                name="offers_price_feed_idx",
            ),
        ]

    def __str__(self):
        return f"{self.model} {self.kind} {self.amount} {self.currency}/1M"

    @property
    def is_current(self):
        return self.valid_to is None

    @property
    def is_stale(self):
        return self.checked_on < today() - timedelta(days=settings.BANJIA_STALE_AFTER_DAYS)

    @property
    def tier_label(self):
        """Prompt-length tier as vendors write it: "0–32K", "32K–128K", "272K–∞"."""
        lo, hi = self.tier_min_input_tokens or 0, self.tier_max_input_tokens
        if lo == 0 and hi is None:
            return ""
        if lo % 1000 == 1:  # an inclusive 32001 is the "(32K" of a "(32K, 128K]" label
            lo -= 1
        return f"{_fmt_tokens(lo)}–{_fmt_tokens(hi) if hi is not None else '∞'}"

    def clean(self):
        errors = {}
        if self.amount is not None and self.amount < 0:
            errors["amount"] = _("A price cannot be negative.")
        if self.valid_to and self.valid_from and self.valid_to <= self.valid_from:
            errors["valid_to"] = _("Must be after valid from.")
        if (
            self.tier_min_input_tokens is not None
            and self.tier_max_input_tokens is not None
            and self.tier_max_input_tokens < self.tier_min_input_tokens
        ):
            errors["tier_max_input_tokens"] = _("Must not be below the tier minimum.")
        if (
            self.tier_min_output_tokens is not None
            and self.tier_max_output_tokens is not None
            and self.tier_max_output_tokens < self.tier_min_output_tokens
        ):
            errors["tier_max_output_tokens"] = _("Must not be below the band minimum.")
        try:
            self.time_window = clean_time_window(self.time_window)
        except ValueError as exc:
            errors["time_window"] = str(exc)
        if errors:
            raise ValidationError(errors)

    @property
    def window_key(self):
        return window_key(self.time_window)

    @property
    def dimensions_key(self):
        """(service tier, region, window, mode, reply band): what besides kind, tier and currency
        makes a slot."""
        return dimensions_key(self)

    def same_slot(self):
        """Rows competing with this one for 'current price': same model, kind, tier, currency,
        service tier, region and time window."""
        rows = Price.objects.filter(
            model_id=self.model_id,
            kind=self.kind,
            currency=self.currency,
            tier_min_input_tokens=self.tier_min_input_tokens,
            tier_max_input_tokens=self.tier_max_input_tokens,
            service_tier=self.service_tier,
            tier_min_output_tokens=self.tier_min_output_tokens,
            tier_max_output_tokens=self.tier_max_output_tokens,
        ).exclude(pk=self.pk)
        rows = rows.filter(mode__isnull=True) if self.mode is None else rows.filter(mode=self.mode)
        rows = rows.filter(region__isnull=True) if self.region is None else rows.filter(region=self.region)
        if self.time_window is None:
            return rows.filter(time_window__isnull=True)
        # JSON equality differs between backends; compare the canonical form in Python.
        key = self.window_key
        ids = [pk for pk, tw in rows.exclude(time_window__isnull=True).values_list("pk", "time_window")
               if window_key(tw) == key]  # fmt: skip
        return rows.filter(pk__in=ids)


def _fmt_tokens(n):
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}K"
    return f"{n:,}"


class MigrationProgramQuerySet(CatalogQuerySet):
    def published(self):
        return self.filter(is_published=True, provider__is_published=True)

    def active(self, on=None):
        """Applying on `on` by rule 5 (the SQL twin of MigrationProgram.status_on): started
        (starts_on, else announced_on, null or <= on) and not over: with an end, on <= ends_on;
        without one, confirmed (confirmed_on, else announced_on, else starts_on) within
        BANJIA_UNCONFIRMED_AFTER_DAYS before `on`."""
        on = on or today()
        horizon = on - timedelta(days=settings.BANJIA_UNCONFIRMED_AFTER_DAYS)
        return self.annotate(
            _start=Coalesce("starts_on", "announced_on"),
            _confirmed=Coalesce("confirmed_on", "announced_on", "starts_on"),
        ).filter(
            Q(_start__isnull=True) | Q(_start__lte=on),
            Q(ends_on__gte=on) | Q(ends_on__isnull=True, _confirmed__gte=horizon),
        )


class MigrationProgram(models.Model):
    """An offer a vendor made to OpenAI API users (or a general offer, flagged as such)."""

    Confidence = Price.Confidence

    class Category(models.TextChoices):
        MIGRATION = "migration", _("Migration")
        NEW_USERS = "new_users", _("New accounts")
        PROMOTION = "promotion", _("Promotion")
        PACK = "pack", _("Token pack")
        PLAN = "plan", _("Plan")
        REFERRAL = "referral", _("Referral")

    class Audience(models.TextChoices):
        OPENAI = "openai", _("OpenAI users")
        ANTHROPIC = "anthropic", _("Claude users")

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="programs")
    slug = models.SlugField(max_length=100, unique=True, help_text=SLUG_HELP)
    name = models.CharField(max_length=300)
    name_zh = models.CharField(max_length=300, blank=True, default="")
    announced_on = models.DateField(null=True, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True, help_text=_("Inclusive; empty means open or unknown."))
    eligibility = models.TextField(blank=True, default="")
    eligibility_zh = models.TextField(
        blank=True, default="", help_text=_("Eligibility in Chinese (optional).")
    )
    openai_users_only = models.BooleanField(null=True, blank=True)
    new_users_only = models.BooleanField(null=True, blank=True)
    enterprise_only = models.BooleanField(null=True, blank=True)
    source_urls = models.JSONField(default=list)
    confidence = models.CharField(max_length=16, choices=Confidence.choices, default=Confidence.REPORTED)
    checked_on = models.DateField(null=True, blank=True, help_text=_("When the sources were read."))
    confirmed_on = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "The latest date a source showed the programme still on offer. With no end date, it "
            "stops counting some days after this (BANJIA_UNCONFIRMED_AFTER_DAYS)."
        ),
    )
    category = models.CharField(
        max_length=16, choices=Category.choices, blank=True, default="",
        help_text=_("Empty means not classified."),
    )  # fmt: skip
    # NULL, not "": the format's null means "anyone" (rule 5).
    audience = models.CharField(  # noqa: DJ001
        max_length=16, choices=Audience.choices, null=True, blank=True,
        help_text=_("Users of which vendor the offer is for; empty means anyone."),
    )  # fmt: skip
    notes = models.TextField(blank=True, default="")
    notes_zh = models.TextField(blank=True, default="", help_text=_("Notes in Chinese (optional)."))
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MigrationProgramQuerySet.as_manager()

    class Meta:
        ordering = ["provider__slug", "slug"]
        constraints = [
            # An end date, when known, is not before the start.
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="offers_migrationprogram_ends_after_start",
            ),
        ]
        indexes = [
            # The changes feed's programmes: first known day newest first (browse.recent_changes).
            models.Index(
                Coalesce("announced_on", "starts_on", Value(date(2000, 1, 1))).desc(),
                "slug",
                name="offers_program_feed_idx",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        if self.name_zh and (get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name

    @property
    def display_eligibility(self):
        return self.eligibility_zh if self.eligibility_zh and _is_zh() else self.eligibility

    @property
    def display_notes(self):
        return self.notes_zh if self.notes_zh and _is_zh() else self.notes

    # Why a programme does or does not apply on a date (DESIGN.md, estimator rule 5).
    ACTIVE, ENDED, UNCONFIRMED, NOT_STARTED, UNPUBLISHED = (
        "active", "ended", "unconfirmed", "not_started", "unpublished"
    )  # fmt: skip

    @property
    def last_confirmed_on(self):
        """confirmed_on, else announced_on, else starts_on; None: never confirmed."""
        return self.confirmed_on or self.announced_on or self.starts_on

    def status_on(self, on=None):
        """(state, date) of this programme on `on` (default today), by rule 5:
        ("active", None) | ("ended", ends_on) | ("unconfirmed", last confirmation or None) |
        ("not_started", starts_on or announced_on) | ("unpublished", None)."""
        on = on or today()
        if not self.is_published:
            return self.UNPUBLISHED, None
        start = self.starts_on or self.announced_on
        if start is not None and start > on:
            return self.NOT_STARTED, start
        if self.ends_on is not None:
            return (self.ACTIVE, None) if on <= self.ends_on else (self.ENDED, self.ends_on)
        confirmed = self.last_confirmed_on
        if confirmed is None:
            return self.UNCONFIRMED, None
        if on <= confirmed + timedelta(days=settings.BANJIA_UNCONFIRMED_AFTER_DAYS):
            return self.ACTIVE, None
        return self.UNCONFIRMED, confirmed

    def is_active(self, on=None):
        return self.status_on(on)[0] == self.ACTIVE

    def clean(self):
        if not self.source_urls:
            raise ValidationError({"source_urls": _("At least one source URL is required.")})


class Benefit(models.Model):
    class Kind(models.TextChoices):
        FREE_TOKENS = "free_tokens", _("Free tokens")
        MATCHED_TOKENS = "matched_tokens", _("Tokens matched to OpenAI usage")
        DISCOUNT = "discount", _("Discount")
        CREDIT = "credit", _("Credit")
        TRAINING = "training", _("Training")
        CONSULTING = "consulting", _("Consulting")
        MIGRATION_SUPPORT = "migration_support", _("Migration support")
        FREE_MODEL = "free_model", _("Free model")
        PLAN = "plan", _("Plan")

    class Period(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        YEAR = "year", _("Year")

    PERKS = (Kind.TRAINING, Kind.CONSULTING, Kind.MIGRATION_SUPPORT, Kind.FREE_MODEL)

    program = models.ForeignKey(MigrationProgram, on_delete=models.CASCADE, related_name="benefits")
    position = models.PositiveSmallIntegerField(default=0, help_text=_("Pools apply in this order."))
    kind = models.CharField(max_length=32, choices=Kind.choices)
    tokens = models.PositiveBigIntegerField(null=True, blank=True)
    ratio = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    percent = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    months = models.PositiveIntegerField(null=True, blank=True)
    amount = models.DecimalField(**AMOUNT_DIGITS, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    valid_days = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField(blank=True, default="")
    per_model = models.BooleanField(
        default=False, help_text=_("Free tokens: the amount is for each model separately.")
    )
    period = models.CharField(
        max_length=8, choices=Period.choices, blank=True, default="",
        help_text=_("A plan's billing period; its price is the amount."),
    )  # fmt: skip

    # Declared last among the fields: from here on `models` in this class body names the field,
    # not the module.
    models = models.ManyToManyField(
        Model, blank=True, related_name="benefits", help_text=_("Empty means every model.")
    )

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["program", "position", "id"]
        constraints = [
            # The fields each kind needs are present and positive (see catalog-format.md);
            # NULL must be excluded explicitly, as a CHECK on NULL passes.
            models.CheckConstraint(
                condition=~Q(kind="free_tokens") | Q(tokens__isnull=False, tokens__gt=0),
                name="offers_benefit_free_tokens_has_tokens",
            ),
            models.CheckConstraint(
                condition=~Q(kind="matched_tokens") | Q(ratio__isnull=False, ratio__gt=0),
                name="offers_benefit_matched_has_ratio",
            ),
            models.CheckConstraint(
                condition=~Q(kind="discount") | Q(percent__isnull=False, percent__gt=0, percent__lte=100),
                name="offers_benefit_discount_percent_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind="credit") | (Q(amount__isnull=False, amount__gt=0) & ~Q(currency="")),
                name="offers_benefit_credit_has_amount",
            ),
            # A plan has a price (amount >= 0, 0 = free), a currency and a period.
            models.CheckConstraint(
                condition=~Q(kind="plan")
                | (Q(amount__isnull=False, amount__gte=0) & ~Q(currency="") & ~Q(period="")),
                name="offers_benefit_plan_has_price",
            ),
        ]

    def __str__(self):
        return f"{self.program.slug}: {self.get_kind_display()}"

    @property
    def is_perk(self):
        return self.kind in self.PERKS


class ModelMapping(models.Model):
    """Which model of `provider` replaces a baseline model (OpenAI's, or another baseline's such as
    Anthropic's); rank 1 is the default choice. The field keeps its first name, `openai_model`, so
    no data moves; it holds the model being replaced, of whichever baseline provider."""

    class Fit(models.TextChoices):
        LIKE_FOR_LIKE = "like_for_like", _("Like for like")
        LARGER = "larger", _("Larger model")
        SMALLER = "smaller", _("Smaller model")
        OTHER_CLASS = "other_class", _("Another class of model")

    openai_model = models.ForeignKey(
        Model, on_delete=models.CASCADE, related_name="replacements", verbose_name=_("replaced model")
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="mappings")
    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="replaces")
    rank = models.PositiveSmallIntegerField(default=1)
    note = models.TextField(blank=True, default="")
    fit = models.CharField(max_length=16, choices=Fit.choices, default=Fit.LIKE_FOR_LIKE)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["openai_model", "provider", "rank"]
        constraints = [
            # One model per rank per vendor for each OpenAI model.
            models.UniqueConstraint(
                fields=["openai_model", "provider", "rank"],
                name="offers_modelmapping_unique_rank",
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="offers_modelmapping_rank_gte_1"),
        ]

    def __str__(self):
        return f"{self.openai_model.slug} → {self.provider.slug}/{self.model.slug} (#{self.rank})"

    def clean(self):
        if self.model_id and self.provider_id and self.model.provider_id != self.provider_id:
            raise ValidationError({"model": _("The model must belong to the chosen provider.")})
        if self.openai_model_id and self.provider_id and self.openai_model.provider_id == self.provider_id:
            raise ValidationError({"openai_model": _("Must be a model of another provider.")})


class ExchangeRate(models.Model):
    """1 `base` = `rate` `quote` on `date` (e.g. USD/CNY 7.1)."""

    base = models.CharField(max_length=3)
    quote = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    date = models.DateField()
    source_url = models.URLField(max_length=1000, blank=True, default="")

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["base", "quote", "date"]
        constraints = [
            # One rate per pair and day: the import and the ECB source upsert on this key.
            models.UniqueConstraint(fields=["base", "quote", "date"], name="offers_exchangerate_unique_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="offers_exchangerate_rate_gt_0"),
        ]

    def __str__(self):
        return f"{self.base}/{self.quote} {self.rate} on {self.date}"


class TokenSample(models.Model):
    """A sample of a user's own text (estimator rule 9), kept so that an estimate's link, which
    carries only `hash`, shows the same numbers to whoever opens it. Not catalog data: writing one
    does not bump the catalog version. The text is never exported or shown back beyond its size."""

    hash = models.CharField(max_length=64, primary_key=True, help_text=_("SHA-256 of the canonical JSON."))
    texts = models.JSONField(help_text=_("The sample: a list of strings."))
    size = models.PositiveIntegerField(help_text=_("Bytes of UTF-8 text."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.hash[:12]} ({self.size} bytes)"


# Short estimate links (issue 21): usage lines stored by hash.
from offers.models.saved import SavedUsage  # noqa: E402, F401
