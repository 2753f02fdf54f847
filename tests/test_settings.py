"""Configuration comes from the environment, with safe defaults for a bare machine."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_check(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, "
         "s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_secret_key_is_required_when_debug_is_off():
    result = django_check(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_bare_machine_defaults_are_sqlite_and_no_broker():
    result = django_check(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "django.db.backends.sqlite3",
        "memory://",
        "True",
        "True",
    ]


def test_database_and_broker_urls_are_read():
    result = django_check(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="banjia-test-" + "0123456789abcdef" * 4,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/banjia",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "django.db.backends.postgresql", "redis://127.0.0.1:6379/0", "False", "False",
    ]  # fmt: skip


def run_python(code, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


PRODUCTION = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"}


def test_production_without_collectstatic_fails_the_system_check(tmp_path):
    # STATIC_ROOT is an empty folder: nothing was collected.
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}, **PRODUCTION,
             "DJANGO_STATIC_ROOT": str(tmp_path)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "banjia.E001" in result.stderr
    assert "run `python manage.py collectstatic --noinput`" in result.stderr


def test_collectstatic_and_migrate_run_before_anything_was_collected(tmp_path):
    # The README's production command: migrate, then collectstatic, on a fresh checkout.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}, **PRODUCTION,
           "DJANGO_STATIC_ROOT": str(tmp_path / "static"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}  # fmt: skip
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        result = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_the_wsgi_application_refuses_to_start_without_collected_static(tmp_path):
    result = run_python("import config.wsgi", **PRODUCTION, DJANGO_STATIC_ROOT=str(tmp_path))
    assert result.returncode == 1
    assert "collectstatic" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_wsgi_application_starts_with_a_manifest(tmp_path):
    (tmp_path / "staticfiles.json").write_text('{"paths": {"banjia.css": "banjia.0123abcd.css"}}')
    result = run_python("import config.wsgi; print('ok')", **PRODUCTION, DJANGO_STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_shorter_scrape_time_limit_shortens_the_lock_and_the_task_limits():
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings as s; from scrapers import tasks\n"
        "print(s.BANJIA_SCRAPE_LOCK_SECONDS, tasks.refresh_source.time_limit, tasks.refresh_source.soft_time_limit)"
    )
    result = run_python(
        code, DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="1", BANJIA_SCRAPE_TIME_LIMIT="120"
    )
    assert result.returncode == 0, result.stderr
    # lock = 120 + 60; soft limit = 120 * 4 // 5 = 96
    assert result.stdout.split() == ["180", "120", "96"]
    result = run_python(code, DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="1")
    # the defaults: 300 + 60 = 360; 300 * 4 // 5 = 240
    assert result.stdout.split() == ["360", "300", "240"]


def test_a_lock_shorter_than_the_time_limit_is_refused_in_one_line():
    result = run_python(
        "import django; django.setup()", DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="1",
        BANJIA_SCRAPE_TIME_LIMIT="120", BANJIA_SCRAPE_LOCK_SECONDS="100",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Banjia cannot start: BANJIA_SCRAPE_LOCK_SECONDS (100) must exceed BANJIA_SCRAPE_TIME_LIMIT "
        "(120, at least 10), or a live refresh could be marked abandoned."
    ]
