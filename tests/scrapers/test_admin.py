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
                          "minimax", "litellm", "openrouter", "models-dev", "ecb", "fx-monthly"]  # fmt: skip
    assert rows["deepseek"]["last_good"] == good
    assert rows["deepseek"]["latest"].status == "parse_error"
    assert rows["openai"]["last_good"] is None
    assert "Refresh now" in response.content.decode()


def test_refresh_now_runs_the_source(staff, settings, monkeypatch):
    from config.celery import app
    from scrapers import pipeline

    # Without a broker the task runs inside the request; force that here even when the suite runs
    # against Redis, so no message is left on a shared queue.
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    seen = []
    monkeypatch.setattr(
        pipeline, "fetch_pages", lambda source: seen.append(source.SLUG) or [("https://x", "")]
    )
    response = staff.post(reverse("admin:scrapers_refresh", args=["moonshot"]), follow=True)
    assert response.status_code == 200
    # no broker: the task ran in the request; the empty page is recorded as a parse error
    assert seen == ["moonshot"]
    run = ScrapeRun.objects.get()
    assert (run.source, run.trigger, run.status) == ("moonshot", "admin", "parse_error")
    assert [str(m) for m in response.context["messages"]] == [
        "moonshot: parse_error moonshot: the page is empty [https://x]"
    ]


def test_run_list_and_detail_render(staff):
    run = ScrapeRun.objects.create(source="ecb", started_at=timezone.now(), status="ok", notes=["vanished x"])
    assert staff.get(reverse("admin:scrapers_scraperun_changelist")).status_code == 200
    page = staff.get(reverse("admin:scrapers_scraperun_change", args=[run.pk]))
    assert page.status_code == 200
    assert "vanished x" in page.content.decode()
