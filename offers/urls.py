from django.urls import path

from . import views

app_name = "offers"

urlpatterns = [
    path("", views.home, name="home"),
]
