import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# With `gunicorn --preload` and BANJIA_PRELOAD_TOKENIZERS=1 the master loads every tokenizer once
# before forking: the workers then share those read-only pages (about 300 MB) instead of each
# loading its own copy on first use.
if os.environ.get("BANJIA_PRELOAD_TOKENIZERS") == "1":
    from offers.tokens.registry import load_all

    if failures := load_all():
        raise RuntimeError(f"tokenizers cannot load: {failures}")
