"""A request body must arrive within a deadline, so a slow client holds a server thread briefly.

Gunicorn's threads read a request's body from a blocking socket with no time limit: a client
that announces 4 MB and sends one byte would hold its thread until the worker is restarted. This
WSGI wrapper reads the whole body (up to the largest body the site accepts) before Django runs,
and stops reading when `BANJIA_REQUEST_BODY_SECONDS` have passed: the socket's read side is shut
down, the client gets 408 and the thread is free. A body announced larger than the limit is a 413
before a byte of it is read. Outside gunicorn (runserver, tests) it steps aside.
"""

import contextlib
import io
import threading


def _stop_reading(sock):
    with contextlib.suppress(OSError):
        sock.shutdown(0)  # SHUT_RD: a blocked recv returns at once; the answer can still be sent


def _refuse(start_response, status, text):
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                            ("Connection", "close")])  # fmt: skip
    return [body]


class BodyDeadline:
    def __init__(self, app, *, seconds, max_bytes):
        self.app, self.seconds, self.max_bytes = app, seconds, max_bytes

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if sock is None or length <= 0 or not self.seconds:
            return self.app(environ, start_response)
        if length > self.max_bytes:
            return _refuse(start_response, "413 Content Too Large", "The request body is too large.\n")
        timer = threading.Timer(self.seconds, _stop_reading, (sock,))
        timer.daemon = True
        timer.start()
        chunks, received = [], 0
        try:
            while received < length:
                chunk = environ["wsgi.input"].read(min(65536, length - received))
                if not chunk:
                    break
                chunks.append(chunk)
                received += len(chunk)
        except OSError:
            pass
        finally:
            timer.cancel()
        if received < length:
            return _refuse(start_response, "408 Request Timeout",
                           f"The request body did not arrive within {self.seconds:g} seconds.\n")  # fmt: skip
        environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
        return self.app(environ, start_response)
