"""Refusals are one warning line: a foreign Host header or a permission denied is not a crash.

Django logs a refused host (django.security.DisallowedHost) as an error with its traceback, and a
PermissionDenied (django.request, 403) with the traceback of the exception; both are the site
working as meant, so they become one WARNING line with the message, and nothing else changes.
"""

import logging

REFUSED_STATUS = frozenset({400, 403, 405})


class OneLineRefusals(logging.Filter):
    def filter(self, record):
        refused = record.name.startswith("django.security") or (
            record.name == "django.request" and getattr(record, "status_code", None) in REFUSED_STATUS
        )
        if refused:
            record.msg = " ".join(record.getMessage().split())
            record.args = ()
            record.exc_info = record.exc_text = record.stack_info = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
