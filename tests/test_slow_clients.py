"""A request body must arrive within its deadline (config.slow_clients), over a real socket pair."""

import io
import socket

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
