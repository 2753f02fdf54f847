from decimal import Decimal
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_text():
    def read(name):
        from scrapers.http import decode

        return decode((FIXTURES / name).read_bytes())

    return read


@pytest.fixture
def recorded(shared_pages):
    def read(relative):
        from scrapers.http import decode

        return decode((shared_pages / relative).read_bytes())

    return read


ORDINARY = "ordinary"


def by_slot(observations, service_tier="standard", region=None, window=None, reply=ORDINARY, mode=ORDINARY):
    """{(model, kind, tier_min, tier_max, currency): amount} for easy lookups, over the rows of one
    service tier, region and time window (by default the standard, home, all-day prices), one
    reply-length band and one mode. By default the band of an ordinary reply (no upper bound) and
    the mode of an ordinary request (any or non-thinking); else `reply` is the exact (min, max) band
    and `mode` the exact mode."""
    out = {}
    for o in observations:
        if (o.service_tier, o.region, o.time_window) != (service_tier, region, window):
            continue
        band = (o.tier_min_output_tokens, o.tier_max_output_tokens)
        if (band[1] is not None) if reply == ORDINARY else band != reply:
            continue
        if (o.mode not in (None, "non_thinking")) if mode == ORDINARY else o.mode != mode:
            continue
        key = (o.model, o.kind, o.tier_min_input_tokens, o.tier_max_input_tokens, o.currency)
        assert key not in out, f"duplicate {key}"
        out[key] = o.amount
    return out


def dimensions(observations):
    """{(service_tier, region, time_window): count}: which pricing dimensions a parse produced."""
    out = {}
    for o in observations:
        key = (o.service_tier, o.region, o.time_window)
        out[key] = out.get(key, 0) + 1
    return out


def assert_sane(observations):
    assert observations
    for o in observations:
        assert isinstance(o.amount, Decimal)
        assert o.amount >= 0
        assert o.kind in ("input", "cached_input", "output")
        assert o.currency in ("CNY", "USD")
        assert o.model == o.model.lower()
        assert " " not in o.model


class PageServer:
    """A local HTTP server on 127.0.0.1 serving `routes`: path -> list of (status, headers, body)
    answered in turn (the last one repeats). Records the requests it got."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.routes, self.requests = {}, []
        self.delay = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server.requests.append((self.path, dict(self.headers)))
                answers = server.routes.get(self.path) or [(404, {}, b"not found")]
                status, headers, body = answers.pop(0) if len(answers) > 1 else answers[0]
                wait = server.delay.get(self.path)
                if wait:
                    server.release.wait(wait)  # hold the answer past the client's read timeout
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.release = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path):
        return self.base + path

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def page_server():
    server = PageServer()
    yield server
    server.close()
