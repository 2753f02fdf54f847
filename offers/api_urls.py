from django.urls import path

from . import api

app_name = "api"

urlpatterns = [
    path("catalog", api.catalog, name="catalog"),
]
