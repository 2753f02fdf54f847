from django.urls import path, register_converter
from django.views.decorators.http import require_safe

from offers.catalog.safety import CleanPathConverter
from offers.web import feeds, page_cache
from offers.web import tokens as token_views
from offers.web.browse import views
from offers.web.estimate import views as estimate_views

register_converter(CleanPathConverter, "text")

app_name = "offers"

urlpatterns = [
    path("", views.home, name="home"),
    path("models/", views.model_list, name="models"),
    path("compare/", views.compare, name="compare"),
    path("tokens/", token_views.token_counter, name="tokens"),
    path("estimate/", estimate_views.estimate_page, name="estimate"),
    path("estimate/detail/<slug:provider>/", estimate_views.estimate_detail, name="estimate-detail"),
    path("vendors/<slug:provider_slug>/", views.vendor, name="vendor"),
    # Model ids contain dots and may contain "/" or ":" (e.g. "accounts/x/models/y").
    path("vendors/<slug:provider_slug>/models/<text:model_slug>/", views.model, name="model"),
    # Feeds answer GET and HEAD only (a Feed object would answer any method, TRACE included).
    path("feeds/changes.rss", require_safe(page_cache.per_version(feeds.ChangesFeed())), name="feed-rss"),
    path(
        "feeds/changes.atom", require_safe(page_cache.per_version(feeds.ChangesAtomFeed())), name="feed-atom"
    ),
]
