from django.urls import path

from . import api

app_name = "watches-api"

urlpatterns = [
    path("watches", api.watches, name="watches"),
    path("watches/<str:watch_id>", api.watch, name="watch"),
]
