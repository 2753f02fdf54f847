"""A request body must arrive within its deadline (config.slow_clients), over a real socket pair."""

import io
import socket
import threading
import time

from config import slow_clients
from config.slow_clients import BodyDeadline


def _app(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"got %d bytes" % len(body)]


class _Input:
    """gunicorn's wsgi.input: blocking reads from the client socket."""

    def __init__(self, sock):
        self.sock = sock

    def read(self, size):
        return self.sock.recv(size)


def _call(app, environ):
    started = {}
    body = b"".join(
        app(environ, lambda status, headers: started.update(status=status, headers=dict(headers)))
    )
    return started["status"], started["headers"], body


def test_a_body_that_arrives_is_passed_on_whole():
    server, client = socket.socketpair()
    with server, client:
        client.sendall(b"x" * 100_000)
        environ = {"CONTENT_LENGTH": "100000", "gunicorn.socket": server, "wsgi.input": _Input(server)}
        assert _call(BodyDeadline(_app, seconds=30, max_bytes=200_000), environ)[::2] == (
            "200 OK",
            b"got 100000 bytes",
        )


def test_a_body_that_stops_coming_is_a_408_at_the_deadline():
    server, client = socket.socketpair()
    with server, client:
        client.sendall(b"{")  # announces 4 MB, sends one byte
        environ = {
            "CONTENT_LENGTH": str(4 * 1024 * 1024),
            "gunicorn.socket": server,
            "wsgi.input": _Input(server),
        }
        status, headers, body = _call(BodyDeadline(_app, seconds=0.05, max_bytes=11 * 1024 * 1024), environ)
    assert status == "408 Request Timeout"
    assert headers["Connection"] == "close"
    assert body == b"The request body did not arrive within 0.05 seconds.\n"


def test_a_body_announced_over_the_limit_is_a_413_unread():
    server, client = socket.socketpair()
    with server, client:
        environ = {"CONTENT_LENGTH": "2000", "gunicorn.socket": server, "wsgi.input": _Input(server)}
        assert _call(BodyDeadline(_app, seconds=30, max_bytes=1000), environ)[0] == "413 Content Too Large"


def test_outside_gunicorn_it_steps_aside():
    environ = {"CONTENT_LENGTH": "3", "wsgi.input": io.BytesIO(b"abc")}
    assert _call(BodyDeadline(_app, seconds=30, max_bytes=1), environ)[::2] == ("200 OK", b"got 3 bytes")


def test_one_watchdog_thread_serves_every_request():
    """A deadline per request, not a thread per request: while 50 bodies are read one after the
    other, the threads alive besides the test's own are the same single watchdog."""
    own = set(threading.enumerate())
    seen = set()

    class Watching(_Input):
        def read(self, size):
            seen.update(t for t in threading.enumerate() if t not in own)
            return super().read(size)

    for _ in range(50):
        server, client = socket.socketpair()
        with server, client:
            client.sendall(b"abc")
            environ = {"CONTENT_LENGTH": "3", "gunicorn.socket": server, "wsgi.input": Watching(server)}
            assert _call(BodyDeadline(_app, seconds=30, max_bytes=10), environ)[::2] == (
                "200 OK",
                b"got 3 bytes",
            )
    assert len(seen) <= 1


def test_a_short_deadline_fires_behind_a_long_one():
    """The watchdog sleeps until the earliest deadline: a 30 s body in progress on one socket does
    not delay the 0.05 s deadline of another."""
    long_server, long_client = socket.socketpair()
    server, client = socket.socketpair()
    with long_server, long_client, server, client:
        ticket = slow_clients._WATCHDOG.add(30, long_server)
        try:
            client.sendall(b"{")
            environ = {"CONTENT_LENGTH": "1000", "gunicorn.socket": server, "wsgi.input": _Input(server)}
            started = time.monotonic()
            status = _call(BodyDeadline(_app, seconds=0.05, max_bytes=10_000), environ)[0]
            assert status == "408 Request Timeout"
            assert time.monotonic() - started < 5  # 0.05 s, with room for a loaded machine
        finally:
            slow_clients._WATCHDOG.cancel(ticket)
        # The long one was cancelled, never shut: its socket still reads.
        long_client.sendall(b"ok")
        assert long_server.recv(2) == b"ok"
