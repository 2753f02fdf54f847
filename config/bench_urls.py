"""URLs for the HTTP benchmark (scripts/bench, BANJIA_BENCH=1): the site plus two bench views.

The bare view is the framework's floor on the same server and settings: the full middleware
stack, no database, no template; every endpoint is reported as a share of it. The tokens view
counts a posted sample under every registry tokenizer, uncached, and says how long each took
(the first call in a worker includes loading the tokenizers unless the master preloaded them),
which worker answered and its RSS afterwards.
"""

import json
import os
import time

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from offers.tokens import NAMES, count, validate_sample

from .urls import urlpatterns as site_urlpatterns


@require_GET
def bare(request):
    return JsonResponse({"ok": True})


def _rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return None


@csrf_exempt
@require_POST
def tokens(request):
    sample = validate_sample(json.loads(request.body)["sample"])
    out = {}
    for name in NAMES:
        started = time.perf_counter()
        n = count(sample, name)
        out[name] = {"tokens": n, "seconds": round(time.perf_counter() - started, 3)}
    return JsonResponse({"tokenizers": out, "pid": os.getpid(), "rss_mb": _rss_mb()})


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("bench/tokens", tokens, name="bench-tokens"),
    *site_urlpatterns,
]
