"""The recent changes feed: new prices and programmes, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Prefetch,
    Value,
)
from django.db.models.functions import Coalesce

from offers.models import (
    Benefit,
    MigrationProgram,
    Price,
)
from offers.web.browse.prices import slot_key

# --- Feed -------------------------------------------------------------------------------------


@dataclass
class FeedItem:
    kind: str  # "price" or "program"
    on: date
    price: Price | None = None
    previous: Price | None = None
    program: MigrationProgram | None = None


def recent_changes(limit=40) -> list[FeedItem]:
    """New price rows (with the row they replaced) and new programmes, newest first: 5 queries."""
    prices = list(
        Price.objects.approved()
        .filter(model__provider__is_published=True)
        .select_related("model__provider")
        .order_by("-valid_from", "-id")[:limit]
    )
    closed = Price.objects.approved().filter(
        model_id__in={p.model_id for p in prices}, valid_to__isnull=False
    )
    # A new row replaces the one of the same slot (model, kind, prompt tier, currency, service
    # tier, region, time window) that closed the day it opened: a batch or off-peak row is never
    # paired with a standard all-day one.
    by_slot = {(*slot_key(p), p.valid_to): p for p in closed}
    items = [
        FeedItem("price", p.valid_from, price=p, previous=by_slot.get((*slot_key(p), p.valid_from)))
        for p in prices
    ]
    programs = (
        MigrationProgram.objects.published()
        .select_related("provider")
        .prefetch_related(
            Prefetch("benefits", queryset=Benefit.objects.order_by("position", "id")), "benefits__models"
        )
    )
    programs = programs.annotate(
        first_day=Coalesce("announced_on", "starts_on", Value(date(2000, 1, 1)))
    ).order_by("-first_day", "slug")[:limit]
    items += [FeedItem("program", p.first_day, program=p) for p in programs]
    items.sort(key=lambda item: item.on, reverse=True)
    return items[:limit]
