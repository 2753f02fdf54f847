"""The runs of every source, an overview with the last good run per source, and "refresh now"."""

from celery.result import EagerResult
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import http
from .models import FeedPrice, ScrapeRun
from .sources import SLUGS, UnknownSource, get


def queue_refresh(request, slug):
    from .tasks import refresh_source

    try:
        get(slug)
    except UnknownSource as exc:
        messages.error(request, str(exc))
        return
    result = refresh_source.delay(slug, trigger=ScrapeRun.Trigger.ADMIN)
    if isinstance(result, EagerResult):  # no broker: the task ran in this request
        outcome = result.get(propagate=False) or {}
        level = messages.SUCCESS if outcome.get("status") == ScrapeRun.Status.OK else messages.WARNING
        messages.add_message(request, level, _("%(slug)s: %(status)s %(error)s") % {
            "slug": slug, "status": outcome.get("status", "?"), "error": outcome.get("error", "")})  # fmt: skip
    else:
        messages.success(request, _("Refresh of %(slug)s queued.") % {"slug": slug})


@admin.register(ScrapeRun)
class ScrapeRunAdmin(admin.ModelAdmin):
    list_display = ["source", "started_at", "finished_at", "status", "trigger", "observations", "changes",
                    "pending", "unchanged", "short_error"]  # fmt: skip
    list_filter = ["source", "status", "trigger"]
    date_hierarchy = "started_at"
    search_fields = ["source", "error"]
    readonly_fields = [f.name for f in ScrapeRun._meta.fields] + ["note_list"]
    exclude = ["notes"]
    actions = ["refresh_now"]
    change_list_template = "admin/scrapers/scraperun/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("error"))
    def short_error(self, obj):
        return (obj.error[:120] + "…") if len(obj.error) > 120 else obj.error

    @admin.display(description=_("notes"))
    def note_list(self, obj):
        return format_html_join("\n", "<div>{}</div>", ((n,) for n in obj.notes or [])) or "—"

    @admin.action(description=_("Refresh these runs' sources now"))
    def refresh_now(self, request, queryset):
        for slug in sorted(set(queryset.values_list("source", flat=True))):
            queue_refresh(request, slug)

    def get_urls(self):
        urls = [
            path("sources/", self.admin_site.admin_view(self.sources_view), name="scrapers_sources"),
            path(
                "sources/<str:slug>/refresh/",
                self.admin_site.admin_view(require_POST(self.refresh_view)),
                name="scrapers_refresh",
            ),  # fmt: skip
        ]
        return urls + super().get_urls()

    def sources_view(self, request):
        last_good = ScrapeRun.objects.last_good_by_source()
        latest = {}
        for run in ScrapeRun.objects.order_by("source", "-started_at", "-id").distinct():
            latest.setdefault(run.source, run)
        rows = []
        for slug in SLUGS:
            source = get(slug)
            rows.append({"slug": slug, "kind": source.KIND, "urls": http.source_urls(source),
                         "last_good": last_good.get(slug), "latest": latest.get(slug)})  # fmt: skip
        context = {**self.admin_site.each_context(request), "title": _("Price sources"), "rows": rows,
                   "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/scrapers/sources.html", context)

    def refresh_view(self, request, slug):
        queue_refresh(request, slug)
        return redirect(reverse("admin:scrapers_sources"))


@admin.register(FeedPrice)
class FeedPriceAdmin(admin.ModelAdmin):
    list_display = ["provider", "model", "kind", "amount", "currency", "tier_min_input_tokens",
                    "tier_max_input_tokens", "source", "vendor", "seen_on"]  # fmt: skip
    list_filter = ["source", "provider", "kind"]
    search_fields = ["model", "provider", "vendor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
