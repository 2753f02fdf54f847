"""Rate limits per client: `limited("BANJIA_API_RATE_LIMIT", "estimate-api")` wraps a view.

Counts live in Django's cache (django-ratelimit's fixed windows, keyed by client address), so they
are shared across workers when CACHE_URL is Redis. Over the limit the view is not run: 429 with
Retry-After (seconds until the window ends), a JSON error body for the API.
"""

from functools import wraps

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage


def limited(setting, group, *, methods=("POST",), json=False):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            rate = getattr(settings, setting, None)
            if rate and request.method in methods:
                usage = get_usage(
                    request, group=group, key="ip", rate=rate, method=list(methods), increment=True
                )
                if usage and usage["should_limit"]:
                    return too_many(max(1, int(usage["time_left"])), json=json)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def too_many(retry_after, *, json=False):
    message = _("Too many requests; try again in %(n)s seconds.") % {"n": retry_after}
    if json:
        response = JsonResponse(
            {"errors": {"request": [message]}}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response
