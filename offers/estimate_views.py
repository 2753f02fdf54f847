"""The savings estimator over HTTP: POST /api/v1/estimate (JSON), the page, its fragment, its CSV."""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .estimator import EstimateError, run

# 10,000 usage lines with overrides fit in about 2 MB; anything much larger is not an estimate.
MAX_BODY_BYTES = 5 * 1024 * 1024


def _errors(errors, status=400):
    return JsonResponse({"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt  # a JSON API for programs: no cookies are read, nothing is written
@require_POST
def estimate_api(request):
    """POST /api/v1/estimate: the request and response documents of DESIGN.md ("Contracts")."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    too_big = _("The request body is larger than %(n)s MB.") % {"n": MAX_BODY_BYTES // (1024 * 1024)}
    if length > MAX_BODY_BYTES:
        return _errors({"body": [too_big]})
    try:
        raw = request.body
    except RequestDataTooBig:
        return _errors({"body": [too_big]})
    if len(raw) > MAX_BODY_BYTES:
        return _errors({"body": [too_big]})
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return _errors({"body": [_("The body is not valid JSON: %(e)s") % {"e": exc}]})
    try:
        result = run(data)
    except EstimateError as exc:
        return _errors(exc.errors)
    return JsonResponse(result, json_dumps_params={"ensure_ascii": False})
