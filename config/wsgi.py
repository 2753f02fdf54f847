import os
import sys

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from config.slow_clients import BodyDeadline

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A slow request body holds a server thread for at most BANJIA_REQUEST_BODY_SECONDS.
application = BodyDeadline(
    get_wsgi_application(),
    seconds=settings.BANJIA_REQUEST_BODY_SECONDS,
    max_bytes=settings.BANJIA_REQUEST_BODY_MAX_BYTES,
)

# Fail fast: a production server without its collected static files (or with another start-up
# error) stops here with one line, instead of answering 500 on every page.
from offers.checks import serious_startup_errors  # noqa: E402

if errors := serious_startup_errors():
    sys.exit("\n".join(errors))

# With BANJIA_PRELOAD_TOKENIZERS=1 (gunicorn.conf.py sets it when the master preloads the
# application, its default) the master loads every tokenizer once before forking: the workers then
# share those read-only pages (about 300 MB) instead of each loading its own copy on first use.
if os.environ.get("BANJIA_PRELOAD_TOKENIZERS") == "1":
    from offers.tokens.registry import load_all  # noqa: E402

    if failures := load_all():
        sys.exit(f"tokenizers cannot load: {failures}")

# A preloading master forks its workers after this module ran: a database or cache connection
# opened so far (none today: the start-up checks read files only) would be one socket shared by
# every worker, whose requests would interleave on it. Closed here, each worker opens its own.
from django.core.cache import caches  # noqa: E402
from django.db import connections  # noqa: E402

connections.close_all()
caches.close_all()
