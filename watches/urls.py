from django.urls import path, register_converter

from . import feeds, views


class SecretConverter:
    """A URL secret (token_urlsafe) or a signed token: letters, digits and _-:. only, so nothing
    else (NUL, which PostgreSQL refuses) reaches a query."""

    regex = r"[A-Za-z0-9_\-:.]{1,400}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(SecretConverter, "secret")

app_name = "watches"

urlpatterns = [
    path("", views.ask, name="ask"),
    path("confirm/<secret:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<secret:key>/", views.unsubscribe, name="unsubscribe"),
    path("manage/<secret:key>/", views.manage, name="manage"),
    path("w/<secret:key>/", views.watch_page, name="watch"),
    path("feed/<secret:feed_key>.atom", feeds.WatchFeed(), name="feed"),
]
