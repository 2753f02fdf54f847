"""An Atom feed of one watch's changes, at a secret URL (/watches/feed/<feed key>.atom)."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from . import scan
from .deliver import site_url
from .models import Watch

ITEMS = 50


class TextSummaryAtom(Atom1Feed):
    """<summary type="text">: catalog text is plain text, never markup."""

    def add_item_elements(self, handler, item):
        summary = item["description"]
        super().add_item_elements(handler, {**item, "description": None})
        if summary is not None:
            handler.addQuickElement("summary", summary, {"type": "text"})


class WatchFeed(Feed):
    feed_type = TextSummaryAtom

    def get_object(self, request, feed_key):
        return get_object_or_404(
            Watch, feed_key=feed_key, removed_at__isnull=True, confirmed_at__isnull=False
        )

    def title(self, obj):
        return _("Banjia: changes to %(what)s") % {"what": obj.describe()}

    def link(self, obj):
        return site_url(obj.get_absolute_url())

    def subtitle(self, obj):
        return self.title(obj)

    def items(self, obj):
        return obj.changes.order_by("-created_at", "-id")[:ITEMS]

    def item_title(self, item):
        try:
            return scan.summary(item.data)  # in the reader's language
        except (KeyError, TypeError):
            return item.data.get("summary") or item.get_event_display()

    def item_description(self, item):
        data = item.data
        parts = [item.get_event_display()]
        if data.get("source"):
            parts.append(_("Source: %(url)s") % {"url": data["source"]})
        return "\n".join(parts)

    def item_link(self, item):
        return data_link(item)

    def item_guid(self, item):
        return f"banjia:watch-change:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.created_at


def data_link(item):
    """The vendor page of the change's vendor, else the watch's page."""
    from django.urls import NoReverseMatch, reverse

    provider = item.data.get("provider")
    if provider:
        try:
            return site_url(reverse("offers:vendor", args=[provider]))
        except NoReverseMatch:
            pass
    return site_url(item.watch.get_absolute_url())
