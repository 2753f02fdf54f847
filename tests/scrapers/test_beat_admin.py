"""Every admin action checks a model permission: django-celery-beat's schedules included."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db

ACTIONS = ["enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks"]


def _staff(client, django_user_model, name, *perms):
    user = django_user_model.objects.create_user(name, password="pw-staff-123", is_staff=True)
    user.user_permissions.set(
        [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in
         (p.split(".") for p in perms)]
    )  # fmt: skip
    client.force_login(user)
    return client


@pytest.fixture
def nothing_runs(monkeypatch):
    """Fail the test if any task is started, queued or run in the background."""
    from celery.app.task import Task

    from scrapers import beat_admin

    monkeypatch.setattr(Task, "apply_async", lambda *a, **k: pytest.fail("a task was queued"))
    monkeypatch.setattr(Task, "apply", lambda *a, **k: pytest.fail("a task was run"))
    monkeypatch.setattr(beat_admin, "run_task_in_background", lambda *a: pytest.fail("a task was started"))


def _post_action(client, action, tasks):
    return client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": action, "_selected_action": [t.pk for t in tasks]},
    )


def test_the_default_schedule_exists():
    # migration 0002: "Refresh all price sources" and "Refresh ECB exchange rates", both enabled
    assert set(PeriodicTask.objects.filter(enabled=True).values_list("task", flat=True)) >= {
        "scrapers.refresh_all_sources", "scrapers.refresh_source",
    }  # fmt: skip


def test_view_only_staff_can_neither_change_nor_run_schedules(client, django_user_model, nothing_runs):
    viewer = _staff(client, django_user_model, "viewer", "django_celery_beat.view_periodictask")
    changelist = viewer.get(reverse("admin:django_celery_beat_periodictask_changelist"))
    assert changelist.status_code == 200
    html = changelist.content.decode()
    for action in ACTIONS:
        assert f'value="{action}"' not in html  # not offered
    tasks = list(PeriodicTask.objects.all())
    before = {t.pk: t.enabled for t in tasks}
    for action in ACTIONS:
        response = _post_action(viewer, action, tasks)
        assert response.status_code in (200, 302, 403)
    assert {t.pk: t.enabled for t in PeriodicTask.objects.all()} == before


def test_change_permission_edits_schedules_but_does_not_run_them(client, django_user_model, nothing_runs):
    editor = _staff(client, django_user_model, "editor", "django_celery_beat.view_periodictask",
                    "django_celery_beat.change_periodictask")  # fmt: skip
    html = editor.get(reverse("admin:django_celery_beat_periodictask_changelist")).content.decode()
    assert 'value="disable_tasks"' in html
    assert 'value="run_tasks"' not in html  # needs scrapers.refresh_source too
    tasks = list(PeriodicTask.objects.all())
    _post_action(editor, "disable_tasks", tasks)
    assert not PeriodicTask.objects.filter(enabled=True).exists()
    _post_action(editor, "run_tasks", tasks)  # refused: not an offered action; nothing_runs checks


def test_run_now_without_a_broker_starts_after_the_request(
    client, django_user_model, monkeypatch, django_capture_on_commit_callbacks
):
    from config.celery import app
    from scrapers import beat_admin

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    started = []
    monkeypatch.setattr(
        beat_admin, "run_task_in_background", lambda task, a, k: started.append((task.name, a))
    )
    operator = _staff(client, django_user_model, "operator", "django_celery_beat.view_periodictask",
                      "django_celery_beat.change_periodictask", "scrapers.refresh_source")  # fmt: skip
    ecb = PeriodicTask.objects.get(name="Refresh ECB exchange rates")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post_action(operator, "run_tasks", [ecb])
    assert response.status_code == 302
    assert started == []  # nothing ran inside the request
    for callback in callbacks:
        callback()
    assert started == [("scrapers.refresh_source", ["ecb"])]


def test_run_now_with_a_broker_queues(client, django_user_model, monkeypatch):
    from celery.app.task import Task

    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    queued = []
    monkeypatch.setattr(Task, "apply_async", lambda self, args, kwargs, **o: queued.append((self.name, args)))
    operator = _staff(client, django_user_model, "operator", "django_celery_beat.view_periodictask",
                      "django_celery_beat.change_periodictask", "scrapers.refresh_source")  # fmt: skip
    _post_action(operator, "run_tasks", [PeriodicTask.objects.get(name="Refresh ECB exchange rates")])
    assert queued == [("scrapers.refresh_source", ["ecb"])]


def test_every_registered_admin_action_declares_permissions(rf):
    """Ours and the libraries' (auth, django-celery-beat): no action is open to a view-only user."""
    missing = []
    for model, model_admin in admin.site._registry.items():
        for func, name, _description in model_admin._get_base_actions():
            if not getattr(func, "allowed_permissions", None):
                missing.append(f"{model._meta.label}.{name}")
    assert missing == []


def test_every_admin_offers_no_action_to_a_view_only_user(rf, django_user_model):
    """A staff user with every view permission and nothing else sees no action on any changelist."""
    user = django_user_model.objects.create_user("viewer", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    request = rf.get("/admin/")
    request.user = django_user_model.objects.get(pk=user.pk)
    offered = {
        model._meta.label: sorted(model_admin.get_actions(request))
        for model, model_admin in admin.site._registry.items()
        if model_admin.get_actions(request)
    }
    assert offered == {}
