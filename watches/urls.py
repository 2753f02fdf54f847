from django.urls import path

from . import feeds, views

app_name = "watches"

urlpatterns = [
    path("", views.ask, name="ask"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:key>/", views.unsubscribe, name="unsubscribe"),
    path("manage/<str:key>/", views.manage, name="manage"),
    path("w/<str:key>/", views.watch_page, name="watch"),
    path("feed/<str:feed_key>.atom", feeds.WatchFeed(), name="feed"),
]
