"""Gunicorn's settings for Banjia in production (read from the working directory by default).

The point is that slow clients cannot stall the site. Sync workers handle one connection at a
time, so two sockets that announce a large body and trickle it in hold both workers until the
worker timeout. Here each worker serves connections from a pool of threads and waits for idle
and not-yet-started connections in its event loop, not in a thread; a body must arrive within
BANJIA_REQUEST_BODY_SECONDS (config.slow_clients), so a slow client holds one thread for at
most that long. Behind a buffering reverse proxy (nginx's default proxy_request_buffering) slow
bodies never reach gunicorn at all. The other point is memory: the master loads the application
and every tokenizer once, before forking, and the workers share those pages. Each value may be
overridden on the command line.
"""

import os

# Threads inside each worker: a slow or blocked connection holds one thread, not the process.
worker_class = "gthread"
# Two processes for two cores (WEB_CONCURRENCY overrides): the estimator is CPU-bound Python, so
# more processes than cores only queue; threads cover waiting on clients, database and cache.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Eight threads per worker: sixteen connections in flight before a new one waits. Requests are
# short (milliseconds from the page cache), so the GIL is rarely the bottleneck at this size.
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# The address to serve; a reverse proxy or the platform's router connects here.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# A worker whose event loop has not reported for this long is restarted (a stuck process, not a
# slow request: gthread reports while its threads work). The longest request, a 5 MB upload, is
# bounded by BANJIA_REQUEST_BODY_SECONDS (30 s) plus its estimate, well under a minute.
timeout = 60
# On restart or deploy, requests in flight get this long to finish.
graceful_timeout = 30
# Idle keep-alive connections wait in the worker's event loop (no thread) for 5 s, enough for a
# browser fetching a page's CSS, script and font, short enough not to hoard sockets.
keepalive = 5
# At most this many open connections per worker (threads plus idle keep-alive ones).
worker_connections = 1000
# The request line (method, path, query): the site's own links stay under 2,000 characters
# (estimate links refer to an uploaded usage by its hash); 8,190 is gunicorn's ceiling and lets
# an older bookmarked estimate link still load instead of a 414.
limit_request_line = 8190
# Header count and size: gunicorn's defaults, which browsers and proxies stay far below.
limit_request_fields = 100
limit_request_field_size = 8190
# Access log off (the reverse proxy or platform logs requests); errors to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Load the application in the master, before forking (GUNICORN_PRELOAD=0 loads it in each worker
# instead; `--preload` on the command line can only turn it on), and with it every tokenizer
# (config/wsgi.py, BANJIA_PRELOAD_TOKENIZERS): the workers share those read-only pages (about
# 300 MB of vocabularies) instead of each building its own copy on first use, and a start-up
# error stops the master once instead of failing every worker boot.
# The catch: `kill -HUP` then restarts the workers from the code the master already imported; to
# deploy new code, restart gunicorn (or send USR2, then TERM to the old master once the new one
# serves).
preload_app = {"1": True, "0": False}.get(os.environ.get("GUNICORN_PRELOAD", "1"))
if preload_app is None:  # a typo must not silently change how memory is shared
    raise ValueError(f"GUNICORN_PRELOAD must be 1 or 0, not {os.environ['GUNICORN_PRELOAD']!r}")
if preload_app:
    os.environ.setdefault("BANJIA_PRELOAD_TOKENIZERS", "1")
# Gunicorn 27's control socket (for `gunicornc`) defaults to one path per user, shared by every
# gunicorn that user runs (the benchmark starts several); Banjia does not use it.
control_socket_disable = True
