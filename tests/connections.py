"""Calling the WSGI application directly in a test (not through Django's test client)."""

from contextlib import contextmanager

from django.core import signals
from django.db import close_old_connections


@contextmanager
def keep_test_connection():
    """As the test client does: unhook close_old_connections while requests are served, so that
    request_finished does not close the connection holding the test's transaction (on PostgreSQL
    with persistent connections)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
