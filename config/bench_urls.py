"""URLs for the HTTP benchmark (scripts/bench, BANJIA_BENCH=1): the site plus a bare view.

The bare view is the framework's floor on the same server and settings: the full middleware
stack, no database, no template; every endpoint is reported as a share of it.
"""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from .urls import urlpatterns as site_urlpatterns


@require_GET
def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare", bare, name="bench-bare"), *site_urlpatterns]
