"""A request body must arrive within a deadline, so a slow client holds a server thread briefly.

Gunicorn's threads read a request's body from a blocking socket with no time limit: a client
that announces 4 MB and sends one byte would hold its thread until the worker is restarted. This
WSGI wrapper reads the whole body (up to the largest body the site accepts) before Django runs,
and stops reading when `BANJIA_REQUEST_BODY_SECONDS` have passed: the socket's read side is shut
down, the client gets 408 and the thread is free. A body announced larger than the limit is a 413
before a byte of it is read. Outside gunicorn (runserver, tests) it steps aside.

One watchdog thread per process keeps the deadlines (a heap) and shuts the sockets whose time
has passed; a request registers its socket and cancels on the way out. (A timer thread per
request cost about a tenth of a distinct estimate through the API: starting a thread is not free.)
"""

import contextlib
import heapq
import io
import itertools
import os
import threading
import time


def _stop_reading(sock):
    with contextlib.suppress(OSError):
        sock.shutdown(0)  # SHUT_RD: a blocked recv returns at once; the answer can still be sent


def _refuse(start_response, status, text):
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                            ("Connection", "close")])  # fmt: skip
    return [body]


class _Watchdog:
    """Shuts the read side of each registered socket when its deadline passes, unless cancelled
    first: one daemon thread per process (started on first use, again in a forked child)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._heap = []  # (deadline, ticket); cancelled tickets are dropped when they surface
        self._live = {}  # ticket -> socket, until cancelled or shut
        self._tickets = itertools.count()
        self._pid = None

    def add(self, seconds, sock):
        """Shut `sock`'s read side `seconds` from now; returns the ticket to cancel with."""
        deadline = time.monotonic() + seconds
        with self._cond:
            if self._pid != os.getpid():  # first use, or a forked worker: the thread is not here
                self._pid = os.getpid()
                self._heap, self._live = [], {}
                threading.Thread(target=self._run, name="body-deadline", daemon=True).start()
            ticket = next(self._tickets)
            self._live[ticket] = sock
            heapq.heappush(self._heap, (deadline, ticket))
            if self._heap[0][1] == ticket:  # the earliest deadline now: wake the watchdog
                self._cond.notify()
        return ticket

    def cancel(self, ticket):
        with self._cond:
            self._live.pop(ticket, None)

    def _run(self):
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._live:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, ticket = self._heap[0]
                left = deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                heapq.heappop(self._heap)
                _stop_reading(self._live.pop(ticket))


_WATCHDOG = _Watchdog()


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
        ticket = _WATCHDOG.add(self.seconds, sock)
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
            _WATCHDOG.cancel(ticket)
        if received < length:
            return _refuse(start_response, "408 Request Timeout",
                           f"The request body did not arrive within {self.seconds:g} seconds.\n")  # fmt: skip
        environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
        return self.app(environ, start_response)
