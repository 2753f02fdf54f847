"""The JSON API under /api/v1/ (contracts in shared/DESIGN.md)."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from .catalog_io import dumps, export_document


@csrf_exempt  # read-only: any other method is a 405 (not a CSRF 403)
@require_GET
def catalog(request):
    """GET /api/v1/catalog: the export document, as export_catalog writes it."""
    return HttpResponse(dumps(export_document()), content_type="application/json; charset=utf-8")
