"""django-celery-beat's admin, re-registered so that every action checks a model permission.

The library's PeriodicTask actions (enable, disable, toggle, "Run selected tasks") declare no
permissions, so staff who may only view schedules could change them and start scrapes. Here the
three schedule edits need the change permission on periodic tasks, and "Run selected tasks" needs
it and `scrapers.refresh_source` too (every scheduled task of Banjia refreshes sources). Running
never happens inside the web request: with a broker the task is queued; without one (tasks run
eagerly in-process) it starts in a background thread once the request has committed, as
"Refresh now" does (scrapers.admin). The schedule admins (interval, crontab, solar, clocked) have
only Django's delete action, which needs the delete permission; they are re-registered unchanged
so that this module owns every beat admin.
"""

import json
import logging
import threading

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connections, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_celery_beat import admin as beat
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

log = logging.getLogger(__name__)

REFRESH_PERMISSION = "scrapers.refresh_source"


def run_task_in_background(task, args, kwargs):
    """Run one Celery task in a daemon thread of this process (no broker); returns the thread."""

    def target():
        close_old_connections()
        try:
            task.apply(args=args, kwargs=kwargs)
        except Exception:
            log.exception("background run of %s failed", task.name)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name=f"beat-run-{task.name}", daemon=True)
    thread.start()
    return thread


def _loads(text):
    """The schedule's stored JSON args/kwargs; None when they are not valid JSON."""
    try:
        return json.loads(text or "null")
    except ValueError:
        return None


class PeriodicTaskAdmin(beat.PeriodicTaskAdmin):
    def has_run_permission(self, request):
        """Run now: may change schedules and may refresh sources."""
        return self.has_change_permission(request) and request.user.has_perm(REFRESH_PERMISSION)

    @admin.action(description=_("Enable selected tasks"), permissions=["change"])
    def enable_tasks(self, request, queryset):
        if not self.has_change_permission(request):
            raise PermissionDenied
        return super().enable_tasks(request, queryset)

    @admin.action(description=_("Disable selected tasks"), permissions=["change"])
    def disable_tasks(self, request, queryset):
        if not self.has_change_permission(request):
            raise PermissionDenied
        return super().disable_tasks(request, queryset)

    @admin.action(description=_("Toggle activity of selected tasks"), permissions=["change"])
    def toggle_tasks(self, request, queryset):
        if not self.has_change_permission(request):
            raise PermissionDenied
        return super().toggle_tasks(request, queryset)

    @admin.action(description=_("Run selected tasks"), permissions=["run"])
    def run_tasks(self, request, queryset):
        if not self.has_run_permission(request):
            raise PermissionDenied
        self.celery_app.loader.import_default_modules()
        planned = []
        for periodic in queryset:
            task = self.celery_app.tasks.get(periodic.task)
            args, kwargs = _loads(periodic.args), _loads(periodic.kwargs)
            if task is None or not isinstance(args, list) or not isinstance(kwargs, dict):
                self.message_user(request, _("Task %(name)s cannot be run: unknown task or bad arguments.")
                                  % {"name": periodic.name}, level=messages.ERROR)  # fmt: skip
                return
            planned.append((task, args, kwargs, periodic))
        eager = self.celery_app.conf.task_always_eager
        for task, args, kwargs, periodic in planned:
            if eager:  # no broker: never inside this request
                transaction.on_commit(lambda t=task, a=args, k=kwargs: run_task_in_background(t, a, k))
            else:
                options = {"queue": periodic.queue} if periodic.queue else {}
                task.apply_async(
                    args=args, kwargs=kwargs, headers={"periodic_task_name": periodic.name}, **options
                )
        if eager:
            text = ngettext("%(n)d task started in the background.", "%(n)d tasks started in the background.",
                            len(planned))  # fmt: skip
        else:
            text = ngettext("%(n)d task queued.", "%(n)d tasks queued.", len(planned))
        self.message_user(request, text % {"n": len(planned)})


for model, model_admin in (
    (PeriodicTask, PeriodicTaskAdmin),
    (IntervalSchedule, beat.IntervalScheduleAdmin),
    (CrontabSchedule, beat.CrontabScheduleAdmin),
    (SolarSchedule, beat.SolarScheduleAdmin),
    (ClockedSchedule, beat.ClockedScheduleAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
