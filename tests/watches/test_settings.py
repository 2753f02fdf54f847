"""The watch settings come from the environment (run in a fresh process, as tests/test_settings.py)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, "
    "s.BANJIA_WATCH_DIGEST_MINUTES, s.BANJIA_WEBHOOK_ALLOW_LOOPBACK)"
)


def run(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_", "BANJIA_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_email_url_mail_goes_to_the_console():
    result = run(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    backend, host, _port, digest, loopback = result.stdout.split()[-5:]
    assert (backend, digest, loopback) == ("django.core.mail.backends.console.EmailBackend", "60", "False")


def test_email_url_is_read_by_django_environ():
    result = run(DJANGO_DEBUG="1", EMAIL_URL="smtp://127.0.0.1:2525", BANJIA_WATCH_DIGEST_MINUTES="0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "127.0.0.1",
        "2525",
        "0",
        "False",
    ]


def test_the_loopback_flag_is_refused_outside_debug():
    secret = "x" * 40 + "abcdefghij"  # 50 characters, more than 5 different ones
    result = run(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secret, BANJIA_WEBHOOK_ALLOW_LOOPBACK="1")
    assert result.returncode != 0
    assert "BANJIA_WEBHOOK_ALLOW_LOOPBACK=1 is for development and tests only" in result.stderr
