from django.urls import path

from offers.api import openapi
from offers.api import views as api

app_name = "api"

urlpatterns = [
    path("catalog", api.catalog, name="catalog"),
    path("tokenizers", api.tokenizers, name="tokenizers"),
    path("estimate", api.estimate_api, name="estimate"),
    path("openapi.json", openapi.openapi, name="openapi"),
]
