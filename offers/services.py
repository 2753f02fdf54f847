"""Multi-row writes on the catalog that curation (admin) and the scrapers share."""

from django.db import transaction

from .models import MigrationProgram, Price, today


class ReviewError(Exception):
    """A pending price cannot be approved as it stands; the message says why."""


@transaction.atomic
def approve_price(price: Price) -> Price | None:
    """Make a pending (or rejected) price the current one for its slot.

    The approved price in force for the same model, kind, tier and currency is closed on the
    new row's valid_from (history keeps it), never overwritten. Returns the closed row, if any.
    """
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
