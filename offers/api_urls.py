from django.urls import path

from . import api, estimate_views, openapi

app_name = "api"

urlpatterns = [
    path("catalog", api.catalog, name="catalog"),
    path("tokenizers", api.tokenizers, name="tokenizers"),
    path("estimate", estimate_views.estimate_api, name="estimate"),
    path("openapi.json", openapi.openapi, name="openapi"),
]
