"""The admin: runs, the sources overview with the last good run, and "refresh now"."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from scrapers.models import ScrapeRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


def test_sources_overview_shows_the_last_good_run_per_source(staff):
    good = timezone.make_aware(dt.datetime(2025, 6, 1, 3, 0))
    ScrapeRun.objects.create(source="deepseek", started_at=good, finished_at=good, status="ok")
    ScrapeRun.objects.create(source="deepseek", started_at=good + dt.timedelta(days=1),
                             finished_at=good + dt.timedelta(days=1), status="parse_error", error="no table")  # fmt: skip
    response = staff.get(reverse("admin:scrapers_sources"))
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.context["rows"]}
    assert list(rows) == ["openai", "deepseek", "zhipu", "moonshot", "alibaba", "volcengine", "tencent",
                          "minimax", "anthropic", "litellm", "openrouter", "models-dev", "ecb", "fx-monthly"]  # fmt: skip
    assert rows["deepseek"]["last_good"] == good
    assert rows["deepseek"]["latest"].status == "parse_error"
    assert rows["openai"]["last_good"] is None
    assert "Refresh now" in response.content.decode()


def _staff(client, django_user_model, name, *perms):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(name, password="pw-staff-123", is_staff=True)
    user.user_permissions.set(
        [Permission.objects.get(content_type__app_label="scrapers", codename=c) for c in perms]
    )
    client.force_login(user)
    return client


def test_staff_without_permissions_gets_403_on_sources_and_refresh(client, django_user_model, monkeypatch):
    from scrapers import admin as scrapers_admin

    monkeypatch.setattr(scrapers_admin, "run_in_background", lambda slug: pytest.fail("must not refresh"))
    monkeypatch.setattr("scrapers.tasks.refresh_source.delay", lambda *a, **k: pytest.fail("must not queue"))
    staff = _staff(client, django_user_model, "clerk")
    assert staff.get(reverse("admin:scrapers_sources")).status_code == 403
    assert staff.post(reverse("admin:scrapers_refresh", args=["moonshot"])).status_code == 403
    assert staff.get(reverse("admin:scrapers_scraperun_changelist")).status_code == 403
    assert not ScrapeRun.objects.exists()


def test_view_permission_shows_sources_but_not_refresh(client, django_user_model, monkeypatch):
    from scrapers import admin as scrapers_admin

    monkeypatch.setattr(scrapers_admin, "run_in_background", lambda slug: pytest.fail("must not refresh"))
    run = ScrapeRun.objects.create(source="ecb", started_at=timezone.now(), status="ok")
    viewer = _staff(client, django_user_model, "viewer", "view_scraperun")
    page = viewer.get(reverse("admin:scrapers_sources"))
    assert page.status_code == 200
    assert "Refresh now" not in page.content.decode()
    assert viewer.post(reverse("admin:scrapers_refresh", args=["moonshot"])).status_code == 403
    changelist = viewer.get(reverse("admin:scrapers_scraperun_changelist"))
    assert "refresh_now" not in changelist.content.decode()  # the action is not offered
    viewer.post(reverse("admin:scrapers_scraperun_changelist"),
                {"action": "refresh_now", "_selected_action": [run.pk]})  # fmt: skip
    assert ScrapeRun.objects.count() == 1


def test_refresh_now_returns_at_once_and_runs_after_the_request(
    client, django_user_model, monkeypatch, django_capture_on_commit_callbacks
):
    from config.celery import app
    from scrapers import admin as scrapers_admin

    # No broker (eager): the request must not run the scrape; it is started after commit.
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    started = []
    monkeypatch.setattr(scrapers_admin, "run_in_background", started.append)
    operator = _staff(client, django_user_model, "operator", "view_scraperun", "refresh_source")
    page = operator.get(reverse("admin:scrapers_sources"))
    assert "Refresh now" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = operator.post(reverse("admin:scrapers_refresh", args=["moonshot"]), follow=True)
    assert response.status_code == 200
    assert started == []  # nothing ran inside the request...
    assert not ScrapeRun.objects.exists()
    assert [str(m) for m in response.context["messages"]] == [
        "Refresh of moonshot started in the background; its run appears in the list when it is done."
    ]
    for callback in callbacks:
        callback()
    assert started == ["moonshot"]  # ...it starts once the request has committed


def test_refresh_now_queues_on_a_broker(client, django_user_model, monkeypatch):
    from config.celery import app
    from scrapers import tasks

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    queued = []
    monkeypatch.setattr(tasks.refresh_source, "delay", lambda slug, trigger: queued.append((slug, trigger)))
    operator = _staff(client, django_user_model, "operator", "view_scraperun", "refresh_source")
    response = operator.post(reverse("admin:scrapers_refresh", args=["ecb"]), follow=True)
    assert queued == [("ecb", "admin")]
    assert [str(m) for m in response.context["messages"]] == ["Refresh of ecb queued."]


@pytest.mark.django_db(transaction=True)
def test_background_refresh_records_its_run(monkeypatch):
    from scrapers import admin as scrapers_admin
    from scrapers import pipeline

    monkeypatch.setattr(pipeline, "fetch_pages", lambda source: [("https://x", "")])
    scrapers_admin.run_in_background("moonshot").join(timeout=60)
    run = ScrapeRun.objects.get()
    # the empty page is a parse error, recorded by the thread's own run
    assert (run.source, run.trigger, run.status) == ("moonshot", "admin", "parse_error")


def test_run_list_and_detail_render(staff):
    run = ScrapeRun.objects.create(source="ecb", started_at=timezone.now(), status="ok", notes=["vanished x"])
    assert staff.get(reverse("admin:scrapers_scraperun_changelist")).status_code == 200
    page = staff.get(reverse("admin:scrapers_scraperun_change", args=[run.pk]))
    assert page.status_code == 200
    assert "vanished x" in page.content.decode()
