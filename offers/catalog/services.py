"""Multi-row writes on the catalog that curation (admin) and the scrapers share."""

from django.db import IntegrityError, connection, transaction

from offers.models import MigrationProgram, Price, Provider, today

# pg_advisory_xact_lock key of the exchange-rate table's writers (any constant 64-bit integer).
RATES_LOCK = 0x62616E6A6961  # "banjia"


def on_providers_locked(slugs):
    """Called with the locked slugs once lock_providers holds them; tests replace it to race."""


def lock_providers(specs):
    """The per-provider write lock of the catalog, taken by import_catalog and by a scrape's apply.

    specs: {slug: fields for a new row}. Every provider is created if missing and locked FOR UPDATE
    until the transaction ends, in slug order (so two writers never deadlock); a second writer
    waits there and then sees the first one's models and prices, instead of failing on the unique
    constraints. A concurrent creator of the same slug makes our INSERT wait and fail inside a
    savepoint; we then read its row. Returns {slug: (provider, created)}. Needs a transaction.
    """
    out = {}
    for slug in sorted(specs):
        provider = Provider.objects.select_for_update().filter(slug=slug).first()
        created = False
        if provider is None:
            try:
                with transaction.atomic():
                    provider = Provider.objects.create(slug=slug, **specs[slug])
                    created = True
            except IntegrityError:
                provider = Provider.objects.select_for_update().get(slug=slug)
        out[slug] = (provider, created)
    on_providers_locked(sorted(specs))
    return out


def lock_rates():
    """Serialise the writers of exchange rates (import, the ECB source) until the transaction ends.
    On SQLite a write transaction is exclusive anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RATES_LOCK])


class ReviewError(Exception):
    """A pending price cannot be approved as it stands; the message says why."""


@transaction.atomic
def approve_price(price: Price) -> Price | None:
    """Make a pending (or rejected) price the current one for its slot.

    The approved price in force for the same model, kind, tier and currency is closed on the
    new row's valid_from (history keeps it), never overwritten. Returns the closed row, if any.
    """
    # The provider's write lock first (as import and scrape apply take it), so a review racing them
    # waits and then sees their rows instead of failing on the one-current-price constraint.
    slug = Price.objects.filter(pk=price.pk).values_list("model__provider__slug", flat=True).get()
    lock_providers({slug: {}})
    price = Price.objects.select_for_update().get(pk=price.pk)
    if price.status == Price.Status.APPROVED:
        return None
    current = (
        price.same_slot()
        .select_for_update()
        .filter(status=Price.Status.APPROVED, valid_to__isnull=True)
        .first()
    )
    if price.valid_to is None and current is not None:
        if current.valid_from >= price.valid_from:
            raise ReviewError(
                f"{price.model}: the current {price.kind} price started on {current.valid_from}, "
                f"not before this one ({price.valid_from}); edit the dates first"
            )
        current.valid_to = price.valid_from
        current.save(update_fields=["valid_to"])
    price.status = Price.Status.APPROVED
    price.save(update_fields=["status"])
    return current


def reject_price(price: Price) -> None:
    Price.objects.filter(pk=price.pk).exclude(status=Price.Status.APPROVED).update(
        status=Price.Status.REJECTED
    )


def end_program(program: MigrationProgram, on=None) -> bool:
    """End a programme on `on` (default today, inclusive). False if it had already ended."""
    on = on or today()
    if program.ends_on is not None and program.ends_on <= on:
        return False
    if program.starts_on is not None and program.starts_on > on:
        # Not started yet: it never ran, so it ends the day it would have started.
        on = program.starts_on
    program.ends_on = on
    program.save(update_fields=["ends_on", "updated_at"])
    return True


def confirm_program(program: MigrationProgram, on=None) -> bool:
    """Record that a source showed the programme still on offer on `on` (default today).
    False if it was already confirmed on or after that day, or has ended before it."""
    on = on or today()
    if program.confirmed_on is not None and program.confirmed_on >= on:
        return False
    if program.ends_on is not None and program.ends_on < on:
        return False
    program.confirmed_on = on
    program.save(update_fields=["confirmed_on", "updated_at"])
    return True
