"""The runs of every source, an overview with the last good run per source, and "refresh now".

The overview needs the view permission on scrape runs; "Refresh now" (button and action) needs
scrapers.refresh_source. "Refresh now" never runs the scrape inside the web request: with a
broker it queues the task; without one (tasks eager) it starts the task in a background thread
once the request's transaction has committed, and the run shows up in the list when done.
"""

import logging
import threading

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connections, transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import http
from .models import FeedPrice, ScrapeRun
from .sources import SLUGS, UnknownSource, get

log = logging.getLogger(__name__)


def run_in_background(slug):
    """Run one refresh in a daemon thread of this process (no broker); returns the thread."""
    from .tasks import refresh_source

    def target():
        close_old_connections()
        try:
            refresh_source.apply(args=(slug,), kwargs={"trigger": ScrapeRun.Trigger.ADMIN})
        except Exception:
            log.exception("background refresh of %s failed", slug)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name=f"refresh-{slug}", daemon=True)
    thread.start()
    return thread


def queue_refresh(request, slug):
    from .tasks import refresh_source

    try:
        get(slug)
    except UnknownSource as exc:
        messages.error(request, str(exc))
        return
    if refresh_source.app.conf.task_always_eager:  # no broker: never inside this request
        transaction.on_commit(lambda: run_in_background(slug))
        messages.success(request, _("Refresh of %(slug)s started in the background; its run appears "
                                    "in the list when it is done.") % {"slug": slug})  # fmt: skip
    else:
        refresh_source.delay(slug, trigger=ScrapeRun.Trigger.ADMIN)
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

    def has_refresh_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.refresh_source")

    @admin.action(description=_("Refresh these runs' sources now"), permissions=["refresh"])
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
        if not self.has_view_permission(request):
            raise PermissionDenied
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
                   "opts": self.model._meta, "can_refresh": self.has_refresh_permission(request)}  # fmt: skip
        return TemplateResponse(request, "admin/scrapers/sources.html", context)

    def refresh_view(self, request, slug):
        if not self.has_refresh_permission(request):
            raise PermissionDenied
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


# django-celery-beat admins re-registered with permission-checked actions.
from . import beat_admin  # noqa: E402, F401
