"""The JSON API under /api/v1/: views.py (the catalog export and the estimate), openapi.py (the
OpenAPI document), urls.py."""
