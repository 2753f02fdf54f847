"""Curation of the catalog, for staff. List pages keep a flat query count at any catalog size:
foreign keys come through list_select_related, and choosers are autocompletes, not <select>s."""

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from offers.catalog import services
from offers.catalog.io import fmt_decimal
from offers.models import (
    Benefit,
    ExchangeRate,
    MigrationProgram,
    Model,
    ModelMapping,
    Price,
    Provider,
)


def _source_link(url):
    return format_html('<a href="{}" rel="noopener" target="_blank">{}</a>', url, _("source")) if url else "—"


class StaleFilter(admin.SimpleListFilter):
    """Prices not checked for BANJIA_STALE_AFTER_DAYS (30) days."""

    title = _("freshness")
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", _("Stale (not checked for %(days)s days)") % {"days": settings.BANJIA_STALE_AFTER_DAYS}),
                ("no", _("Fresh"))]  # fmt: skip

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.stale()
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.stale().values("pk"))
        return queryset


class CurrentFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Current (open)")), ("no", _("History (closed)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(valid_to__isnull=True)
        if self.value() == "no":
            return queryset.filter(valid_to__isnull=False)
        return queryset


class ActiveProgramFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("Active today")), ("no", _("Ended, unconfirmed or not started"))]

    def queryset(self, request, queryset):
        active = MigrationProgram.objects.active()
        if self.value() == "yes":
            return queryset.filter(pk__in=active.values("pk"))
        if self.value() == "no":
            return queryset.exclude(pk__in=active.values("pk"))
        return queryset


@admin.action(description=_("Publish"), permissions=["change"])
def publish(modeladmin, request, queryset):
    n = queryset.update(is_published=True)
    modeladmin.message_user(request, ngettext("%d published.", "%d published.", n) % n)


@admin.action(description=_("Unpublish (hide from the site and the API)"), permissions=["change"])
def unpublish(modeladmin, request, queryset):
    n = queryset.update(is_published=False)
    modeladmin.message_user(request, ngettext("%d unpublished.", "%d unpublished.", n) % n)


class ModelInline(admin.TabularInline):
    model = Model
    fields = (
        "slug", "name", "kind", "context_window", "max_output_tokens", "released_on", "deprecated_on",
        "tokenizer",
    )  # fmt: skip
    extra = 0
    show_change_link = True


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "name_zh", "openai_compatible", "region", "model_count", "is_published")
    list_filter = ("is_published", "openai_compatible", "region")
    search_fields = ("slug", "name", "name_zh")
    actions = [publish, unpublish]
    inlines = [ModelInline]
    readonly_fields = ("updated_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_model_count=Count("models"))

    @admin.display(description=_("models"), ordering="_model_count")
    def model_count(self, obj):
        return obj._model_count


class PriceInline(admin.TabularInline):
    model = Price
    fields = (
        "kind", "amount", "currency", "tier_min_input_tokens", "tier_max_input_tokens",
        "service_tier", "region", "time_window", "tier_min_output_tokens", "tier_max_output_tokens", "mode",
        "valid_from", "valid_to", "status", "method", "confidence", "checked_on", "source_url",
    )  # fmt: skip
    extra = 0
    ordering = ("kind", "tier_min_input_tokens", "-valid_from")


@admin.register(Model)
class ModelAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "name",
        "provider",
        "kind",
        "context_window",
        "max_output_tokens",
        "tokenizer",
        "deprecated_on",
    )
    list_select_related = ("provider",)
    list_filter = ("kind", "tokenizer", ("provider", admin.RelatedOnlyFieldListFilter))
    search_fields = ("slug", "name", "provider__slug", "provider__name")
    autocomplete_fields = ("provider",)
    inlines = [PriceInline]


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    list_display = (
        "model", "provider_name", "kind", "per_million", "currency", "tier", "service_tier", "region",
        "window", "valid_from", "valid_to", "status", "method", "confidence", "checked_on", "stale", "source",
    )  # fmt: skip
    list_select_related = ("model__provider",)
    list_filter = (
        "status", "currency", "kind", "service_tier", "region", "mode", "method", "confidence", StaleFilter,
        CurrentFilter,
        ("model__provider", admin.RelatedFieldListFilter),
    )  # fmt: skip
    search_fields = ("model__slug", "model__name", "model__provider__slug", "source_url")
    autocomplete_fields = ("model",)
    date_hierarchy = "valid_from"
    actions = ["approve", "reject"]
    readonly_fields = ("created_at",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "model",
                    "kind",
                    "amount",
                    "currency",
                    "tier_min_input_tokens",
                    "tier_max_input_tokens",
                )
            },
        ),
        (
            _("Pricing dimensions"),
            {
                "fields": (
                    "service_tier",
                    "region",
                    "time_window",
                    "tier_min_output_tokens",
                    "tier_max_output_tokens",
                    "mode",
                )
            },
        ),  # fmt: skip
        (_("Validity"), {"fields": ("valid_from", "valid_to", "status", "review_note")}),
        (
            _("Provenance"),
            {"fields": ("source_url", "checked_on", "method", "confidence", "note", "created_at")},
        ),
    )
    list_per_page = 100

    @admin.display(description=_("provider"), ordering="model__provider__slug")
    def provider_name(self, obj):
        return obj.model.provider.name

    @admin.display(description=_("amount per 1M tokens"), ordering="amount")
    def per_million(self, obj):
        return fmt_decimal(obj.amount)

    @admin.display(description=_("tier"))
    def tier(self, obj):
        return obj.tier_label or "—"

    @admin.display(description=_("time window"))
    def window(self, obj):
        return obj.window_key or "—"

    @admin.display(description=_("stale"), boolean=True)
    def stale(self, obj):
        return obj.is_stale

    @admin.display(description=_("source"))
    def source(self, obj):
        return _source_link(obj.source_url)

    @admin.action(
        description=_("Approve selected prices (closes the current price of the same slot)"),
        permissions=["change"],
    )
    def approve(self, request, queryset):
        approved, closed = 0, 0
        for price in queryset.exclude(status=Price.Status.APPROVED).order_by("valid_from", "pk"):
            try:
                if services.approve_price(price) is not None:
                    closed += 1
                approved += 1
            except services.ReviewError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        self.message_user(
            request,
            _("%(approved)d approved; %(closed)d previous prices closed and kept as history.")
            % {"approved": approved, "closed": closed},
        )

    @admin.action(description=_("Reject selected pending prices"), permissions=["change"])
    def reject(self, request, queryset):
        n = queryset.filter(status=Price.Status.PENDING).update(status=Price.Status.REJECTED)
        self.message_user(request, ngettext("%d price rejected.", "%d prices rejected.", n) % n)


class BenefitInline(admin.StackedInline):
    model = Benefit
    fields = (
        ("kind", "position"), ("tokens", "per_model", "ratio", "percent", "months"),
        ("amount", "currency", "valid_days", "period"), "models", "description",
    )  # fmt: skip
    autocomplete_fields = ("models",)
    extra = 0


@admin.register(MigrationProgram)
class MigrationProgramAdmin(admin.ModelAdmin):
    list_display = (
        "name", "provider", "category", "audience", "starts_on", "ends_on", "confirmed_on", "active",
        "confidence", "checked_on", "is_published",
    )  # fmt: skip
    list_select_related = ("provider",)
    list_filter = (
        ActiveProgramFilter,
        "category",
        "audience",
        "is_published",
        "confidence",
        ("provider", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("slug", "name", "name_zh", "provider__name", "provider__name_zh")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("provider",)
    inlines = [BenefitInline]
    actions = [publish, unpublish, "confirm_today", "end_today"]
    readonly_fields = ("updated_at",)

    @admin.display(description=_("active"), boolean=True)
    def active(self, obj):
        return obj.is_active()

    @admin.action(
        description=_("Confirm the selected programmes today (a source shows them on offer)"),
        permissions=["change"],
    )
    def confirm_today(self, request, queryset):
        n = sum(services.confirm_program(p) for p in queryset)
        self.message_user(request, ngettext("%d programme confirmed.", "%d programmes confirmed.", n) % n)

    @admin.action(description=_("End the selected programmes today"), permissions=["change"])
    def end_today(self, request, queryset):
        n = sum(services.end_program(p) for p in queryset)
        self.message_user(request, ngettext("%d programme ended.", "%d programmes ended.", n) % n)


@admin.register(Benefit)
class BenefitAdmin(admin.ModelAdmin):
    list_display = (
        "program",
        "kind",
        "tokens",
        "ratio",
        "percent",
        "months",
        "amount",
        "currency",
        "valid_days",
    )
    list_select_related = ("program",)
    list_filter = ("kind",)
    search_fields = ("program__slug", "program__name", "description")
    autocomplete_fields = ("program", "models")


@admin.register(ModelMapping)
class ModelMappingAdmin(admin.ModelAdmin):
    list_display = ("openai_model", "provider", "model", "rank", "fit", "note")
    list_select_related = ("openai_model__provider", "provider", "model__provider")
    list_filter = ("rank", "fit", ("provider", admin.RelatedOnlyFieldListFilter))
    search_fields = ("openai_model__slug", "model__slug", "provider__slug")
    autocomplete_fields = ("openai_model", "provider", "model")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("base", "quote", "rate", "date", "source")
    list_filter = ("base", "quote")
    date_hierarchy = "date"
    search_fields = ("base", "quote")

    @admin.display(description=_("source"))
    def source(self, obj):
        return _source_link(obj.source_url)
