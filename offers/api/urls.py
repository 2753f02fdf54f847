from django.urls import path

from offers.api import openapi
from offers.api import views as api
from offers.web.estimate import views as estimate_views

app_name = "api"

urlpatterns = [
    path("catalog", api.catalog, name="catalog"),
    path("estimate", estimate_views.estimate_api, name="estimate"),
    path("openapi.json", openapi.openapi, name="openapi"),
]
