"""Fixtures of the watch tests: a real SMTP server and a real HTTP receiver on 127.0.0.1, each on
a free port, and a small catalog written through import_catalog."""

import email
import email.policy
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


@pytest.fixture(autouse=True)
def _watch_settings(settings):
    settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK = True
    settings.BANJIA_WATCH_DIGEST_MINUTES = 0
    settings.BANJIA_SITE_URL = "http://testserver"
    settings.BANJIA_WATCH_RATE_LIMIT = None
    settings.BANJIA_WATCH_FORM_RATE_LIMIT = None
    settings.BANJIA_PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _in_process_tasks(request):
    """Tasks run in the test's process (as without a broker) even when CELERY_BROKER_URL names one,
    except in the tests marked `broker`, which go through a real worker."""
    from config.celery import app

    if request.node.get_closest_marker("broker"):
        yield
        return
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the SMTP server received: [(recipients, email.message.EmailMessage)]."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address):
        return [m for rcpt, m in self.messages if address in rcpt]


@pytest.fixture
def smtp(settings):
    """An SMTP server on 127.0.0.1 that Django's SMTP backend sends to (as EMAIL_URL=smtp://...)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


class Receiver:
    """What the webhook receiver got: [{"path", "headers", "body"}]; answers `status`."""

    def __init__(self):
        self.requests = []
        self.status = 200
        self.url = None
        self.arrived = threading.Event()  # set by each request (for a worker in another process)

    def bodies(self):
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver():
    got = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            got.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
            got.arrived.set()
            self.send_response(got.status)
            if 300 <= got.status < 400:
                self.send_header("Location", "/elsewhere")  # followed, it would show as a 2nd request
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    got.port = server.server_address[1]
    yield got
    server.shutdown()
    server.server_close()


def price(kind, amount, valid_from="2024-01-01", **extra):
    return {
        "kind": kind,
        "amount": amount,
        "currency": "USD",
        "valid_from": valid_from,
        "source_url": "https://example.com/pricing",
        "checked_on": "2024-01-02",
        **extra,
    }


def catalog(alpha_input=None):
    """openai/gpt-4o 2.50/10 USD; alpha/alpha-1 1.00/4.00; beta/beta-1 1.50/5.00 (input/output per
    1M tokens), both mapped to gpt-4o. alpha_input: a new alpha-1 input price from 2025-01-01 (the
    old one closed that day)."""
    alpha_prices = [price("input", "1.00"), price("output", "4.00")]
    if alpha_input is not None:
        alpha_prices = [
            price("input", "1.00", valid_to="2025-01-01"),
            price("input", alpha_input, valid_from="2025-01-01", source_url="https://example.com/alpha-new"),
            price("output", "4.00"),
        ]
    return {
        "format": "banjia.catalog/1",
        "providers": [
            {"slug": "openai", "name": "OpenAI", "models": [
                {"slug": "gpt-4o", "name": "GPT-4o", "prices": [price("input", "2.50"), price("output", "10.00")]}]},
            {"slug": "alpha", "name": "Alpha", "models": [{"slug": "alpha-1", "name": "Alpha 1", "prices": alpha_prices}]},
            {"slug": "beta", "name": "Beta", "models": [
                {"slug": "beta-1", "name": "Beta 1", "prices": [price("input", "1.50"), price("output", "5.00")]}]},
        ],
        "mappings": [
            {"openai_model": "gpt-4o", "provider": "alpha", "model": "alpha-1", "rank": 1},
            {"openai_model": "gpt-4o", "provider": "beta", "model": "beta-1", "rank": 1},
        ],
    }  # fmt: skip


# 1M input and 1M output tokens of gpt-4o a month, one month, in USD.
ESTIMATE = {
    "usage": [{"model": "gpt-4o", "input_tokens": 1_000_000, "output_tokens": 1_000_000}],
    "months": 1,
    "currency": "USD",
}
