"""Real Celery workers for the tests that go through the broker (PostgreSQL and Redis or
RabbitMQ): whether the services are there, the environment a worker needs to reach this test's
database, starting one and stopping it (with what it printed)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _service_up(url, default_port):
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_services():
    """Skip without PostgreSQL and a broker configured; fail in CI when they do not answer."""
    db, broker = os.environ.get("DATABASE_URL", ""), os.environ.get("CELERY_BROKER_URL", "")
    if not db.startswith(("postgres://", "postgresql://")) or not broker.startswith(("redis://", "amqp://")):
        pytest.skip("needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...")
    if not (_service_up(db, 5432) and _service_up(broker, 6379 if broker.startswith("redis") else 5672)):
        message = f"PostgreSQL or the broker is not reachable ({db}, {broker})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def worker_env(settings, **extra):
    """The environment of a worker that uses this test's database (pytest-django's test_ one),
    with tasks sent through the broker."""
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    database_url = (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    return {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1", "CELERY_TASK_ALWAYS_EAGER": "0",
            "PYTHONUNBUFFERED": "1", **extra}  # fmt: skip


def start_worker(env, queue=None):
    """A solo-pool worker on `queue` (the default queue when None), its output piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", *(["-Q", queue] if queue else []),
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop_worker(worker):
    """Stop the worker (TERM, then KILL after 20 s); returns the end of what it printed."""
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return worker.stdout.read().decode(errors="replace")[-4000:]


def poll(condition, worker, seconds=90):
    """Bounded polling: the condition's value once true, None after `seconds` or if the worker exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value or worker.poll() is not None:
            return value
        time.sleep(0.2)
    return None
