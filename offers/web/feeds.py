"""RSS and Atom feeds of recent price changes and new migration programmes.

Catalog text is plain text, never markup: the RSS <description> (which readers render as HTML)
carries it HTML-escaped once; the Atom <summary> is type="text". Titles are plain text in both.
"""

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers.templatetags.banjia import benefit_label, format_amount
from offers.web import browse


class ChangesFeed(Feed):
    title = gettext_lazy("Banjia: price changes and migration programmes")
    link = reverse_lazy("offers:home")
    description = gettext_lazy("New token prices of LLM vendors and new offers for OpenAI API users.")

    def items(self):
        return browse.recent_changes()

    def item_title(self, item):
        if item.kind == "program":
            program = item.program
            return _("New programme: %(vendor)s — %(name)s") % {
                "vendor": program.provider.display_name,
                "name": program.display_name,
            }
        price = item.price
        values = {
            "vendor": price.model.provider.display_name,
            "model": price.model.name,
            "kind": price.get_kind_display(),
            "amount": format_amount(price.amount, price.currency),
        }
        if price.tier_label:
            values["kind"] = f"{values['kind']} ({price.tier_label})"
        if item.previous is not None:
            values["previous"] = format_amount(item.previous.amount, item.previous.currency)
            return _("%(vendor)s %(model)s %(kind)s: %(previous)s → %(amount)s per 1M tokens") % values
        return _("%(vendor)s %(model)s %(kind)s: %(amount)s per 1M tokens") % values

    def item_description(self, item):
        """RSS: the plain text, HTML-escaped once (a reader shows "<b>" as typed)."""
        return escape(self.plain_description(item))

    def plain_description(self, item):
        if item.kind == "program":
            program = item.program
            benefits = "; ".join(benefit_label(b) for b in program.benefits.all())
            return benefits or program.eligibility or program.display_name
        price = item.price
        return _("Valid from %(date)s. Source: %(url)s") % {
            "date": price.valid_from.isoformat(),
            "url": price.source_url,
        }

    def item_link(self, item):
        if item.kind == "program":
            return reverse("offers:vendor", args=[item.program.provider.slug]) + f"#{item.program.slug}"
        return item.price.model.get_absolute_url()

    def item_guid(self, item):
        if item.kind == "program":
            return f"banjia:program:{item.program.slug}"
        return f"banjia:price:{item.price.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return timezone.make_aware(datetime.combine(item.on, time.min), timezone.get_default_timezone())

    def item_updateddate(self, item):
        return self.item_pubdate(item)


class PlainTextAtom1Feed(Atom1Feed):
    """Atom with <summary type="text"> (Django writes type="html")."""

    def add_item_elements(self, handler, item):
        summary = item["description"]
        super().add_item_elements(handler, {**item, "description": None})
        if summary is not None:
            handler.addQuickElement("summary", summary, {"type": "text"})


class ChangesAtomFeed(ChangesFeed):
    feed_type = PlainTextAtom1Feed

    def item_description(self, item):
        return self.plain_description(item)

    subtitle = ChangesFeed.description
