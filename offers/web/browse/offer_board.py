"""The offer board (the home page): migration programmes as cards, their state and free-token value."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Prefetch,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers.catalog.fx import Converter
from offers.models import (
    Benefit,
    MigrationProgram,
    Model,
    Provider,
    today,
)
from offers.web.browse.currency import Money
from offers.web.browse.prices import MILLION, ModelPrices, current_prices

# --- Programmes -------------------------------------------------------------------------------


class ProgramState:
    """A programme's state on a date for display, from MigrationProgram.status_on (rule 5)."""

    ACTIVE = "active"
    UPCOMING = "upcoming"  # not started
    UNCONFIRMED = "unconfirmed"  # no end date, not seen for BANJIA_UNCONFIRMED_AFTER_DAYS: may have ended
    EXPIRED = "expired"  # ended on its end date

    RANK = {ACTIVE: 0, UPCOMING: 1, UNCONFIRMED: 2, EXPIRED: 3}
    FROM_STATUS = {
        MigrationProgram.ACTIVE: ACTIVE,
        MigrationProgram.NOT_STARTED: UPCOMING,
        MigrationProgram.UNCONFIRMED: UNCONFIRMED,
        MigrationProgram.ENDED: EXPIRED,
        MigrationProgram.UNPUBLISHED: EXPIRED,
    }


@dataclass
class FreeTokenValue:
    """What a programme's free tokens would cost at the models' list input price."""

    tokens: int
    money: Money | None  # None: unknown (a benefit without models or a model without a price)
    reason: str = ""


@dataclass
class ProgramCard:
    program: MigrationProgram
    state: str
    free_tokens: int
    value: FreeTokenValue
    benefits: list[Benefit]
    perks: list[Benefit]
    state_date: date | None = None  # ended on / not confirmed since / starts on
    last_confirmed: date | None = None  # confirmed_on, else announced_on, else starts_on

    @property
    def provider(self):
        return self.program.provider

    @property
    def applies(self):
        return self.state == ProgramState.ACTIVE

    @property
    def lapsed(self):
        """Ended or not confirmed for too long: shown, but not counted as on offer."""
        return self.state in (ProgramState.UNCONFIRMED, ProgramState.EXPIRED)


def program_state(program: MigrationProgram, on: date) -> tuple[str, date | None]:
    """(display state, its date) on `on` by rule 5: "active" only for programmes that apply."""
    status, when = program.status_on(on)
    return ProgramState.FROM_STATUS[status], when


def program_card(program, prices, converter, currency, on) -> ProgramCard:
    """One programme as a card: its state on `on`, free-token value, benefits and perks."""
    benefits = list(program.benefits.all())
    value = free_token_value(benefits, prices, converter, currency)
    state, state_date = program_state(program, on)
    return ProgramCard(
        program=program,
        state=state,
        state_date=state_date,
        last_confirmed=program.last_confirmed_on,
        free_tokens=value.tokens,
        value=value,
        benefits=[b for b in benefits if not b.is_perk],
        perks=[b for b in benefits if b.is_perk],
    )


def free_token_value(benefits, prices: dict[int, ModelPrices], converter, currency) -> FreeTokenValue:
    """Sum over free_tokens benefits of tokens x the cheapest listed model's input price.

    The tokens of one benefit may be spent on any of its models, so the cheapest of them gives
    the value the user is sure to get. A benefit naming no model (every model of the vendor) or a
    model with no current input price makes the value unknown, never 0.
    """
    total_tokens = 0
    totals: dict[str, Decimal] = defaultdict(Decimal)
    unknown = ""
    for benefit in benefits:
        if benefit.kind != Benefit.Kind.FREE_TOKENS:
            continue
        total_tokens += benefit.tokens or 0
        models = list(benefit.models.all())
        if not models:
            unknown = unknown or _("the tokens apply to every model")
            continue
        candidates = []
        for model in models:
            row = prices.get(model.pk) and prices[model.pk].input
            if row is None:
                unknown = unknown or _("%(model)s has no current input price") % {"model": model.name}
                break
            # Compare in the display currency where possible, so mixed currencies rank right.
            candidates.append(row)
        else:
            cheapest = min(
                candidates,
                key=lambda r: r.money.amount if not r.money.unconverted else r.price.amount,
            )
            totals[cheapest.price.currency] += Decimal(benefit.tokens) * cheapest.price.amount / MILLION
    if not total_tokens:
        return FreeTokenValue(0, None)
    if unknown:
        return FreeTokenValue(total_tokens, None, unknown)
    converted = [converter.convert(amount, code, currency) for code, amount in totals.items()]
    if all(value is not None for value in converted):
        original_currency = next(iter(totals)) if len(totals) == 1 else ""
        original = totals[original_currency] if original_currency else None
        return FreeTokenValue(
            total_tokens, Money(sum(converted, Decimal(0)), currency, original, original_currency)
        )
    if len(totals) == 1:
        code, amount = next(iter(totals.items()))
        return FreeTokenValue(total_tokens, Money(amount, code, amount, code, unconverted=True))
    return FreeTokenValue(total_tokens, None, _("no exchange rate"))


OFFER_SORTS = {
    "state": gettext_lazy("Active first"),
    "newest": gettext_lazy("Newest first"),
    "value": gettext_lazy("Free-token value"),
    "tokens": gettext_lazy("Free tokens"),
    "vendor": gettext_lazy("Vendor"),
}


def offer_board(*, vendor="", benefit_kind="", active_only=False, sort="state", currency="USD", on=None):
    """The programme cards for the home page; five queries whatever the number of programmes."""
    on = on or today()
    converter = Converter.load(on)  # 1
    programs = MigrationProgram.objects.published().select_related("provider")
    if vendor:
        programs = programs.filter(provider__slug=vendor)
    if benefit_kind:
        programs = programs.filter(benefits__kind=benefit_kind).distinct()
    if active_only:
        programs = programs.active(on=on)
    programs = programs.prefetch_related(  # 2 + 3 + 4
        Prefetch(
            "benefits",
            queryset=Benefit.objects.order_by("position", "id").prefetch_related(
                Prefetch("models", queryset=Model.objects.order_by("slug"))
            ),
        )
    )
    programs = list(programs)
    model_ids = {m.pk for p in programs for b in p.benefits.all() for m in b.models.all()}
    prices = current_prices(model_ids, converter, currency, on) if model_ids else {}  # 5
    cards = [program_card(program, prices, converter, currency, on) for program in programs]
    state_rank = ProgramState.RANK

    def newest(card):
        d = card.program.starts_on or card.program.announced_on or date.min
        return -d.toordinal()

    def value_key(card):
        money = card.value.money
        known = money is not None and not money.unconverted
        return (0 if known else 1, -(money.amount if known else 0))

    keys = {
        "state": lambda c: (state_rank[c.state], newest(c), c.program.slug),
        "newest": lambda c: (newest(c), c.program.slug),
        "value": lambda c: (c.lapsed, *value_key(c), c.program.slug),
        "tokens": lambda c: (c.lapsed, -c.free_tokens, c.program.slug),
        "vendor": lambda c: (c.provider.display_name.lower(), state_rank[c.state], c.program.slug),
    }
    cards.sort(key=keys.get(sort, keys["state"]))
    return cards


def vendor_choices():
    """(slug, display name) of published vendors, for filter selects: one query."""
    return [(p.slug, p.display_name) for p in Provider.objects.published().only("slug", "name", "name_zh")]
