"""What a programme is worth at the vendor's current list price, for the offer board's cards.

Honest value (issue 17): every figure uses the current list price of the models a benefit covers,
and says how it was worked out.
- Free tokens on named models: tokens x the cheapest covered model's input price (the tokens may
  go to any of them, so the cheapest is what the user is sure to get).
- Free tokens for every model of the vendor: valued at the vendor's cheapest paid model (a free
  model needs no free tokens), and the card says which.
- Free tokens per model (Alibaba's 1M for each model): the value for one model, the cheapest
  covered, "for each model you use".
- A discount: what it saves on a typical month (TYPICAL_INPUT + TYPICAL_OUTPUT tokens) on the
  cheapest covered model, at its input and output list prices.
- A plan: its price per period, not a guess at tokens (plans are never counted in an estimate).
Unknown stays unknown (a model without a current price, no exchange rate): None, never 0.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from offers.models import Benefit
from offers.web.browse.currency import Money

MILLION = Decimal(1_000_000)
# A typical month of API traffic, to value a discount: 10M input and 2M output tokens.
TYPICAL_INPUT = Decimal(10_000_000)
TYPICAL_OUTPUT = Decimal(2_000_000)


@dataclass
class Worth:
    """A programme's value at list price: `money` (None = unknown) and how it was worked out."""

    money: Money | None
    note: str = ""
    kind: str = ""  # "tokens" | "discount" | "plan" | "" (nothing to value)

    @property
    def sort_amount(self):
        """The amount to sort by (display currency), or None when unknown or not comparable."""
        if self.money is None or self.money.amount is None or self.money.unconverted:
            return None
        return self.money.amount


def _cheapest(model_ids, prices):
    """(model id, its ModelPrices) of the covered model with the lowest input price above 0, or
    None: a free model needs no free tokens, so it would value any quota at nothing."""
    best = None
    for pk in model_ids:
        row = prices.get(pk) and prices[pk].input
        if row is None or row.price.amount == 0:
            continue
        amount = row.money.amount if not row.money.unconverted else None
        key = (amount is None, amount if amount is not None else row.price.amount)
        if best is None or key < best[0]:
            best = (key, pk)
    return None if best is None else (best[1], prices[best[1]])


def _name(model_prices):
    return model_prices.input.price.model.name  # current_prices loads each row's model


def _money(amount, currency, converter, target):
    return Money.of(amount, currency, converter, target)


def program_worth(benefits, prices, vendor_models, converter, currency) -> Worth:
    """The card's figure for a programme's benefits (see the module docstring).

    prices: {model id: ModelPrices} (current_prices); vendor_models: the vendor's model ids, for a
    benefit on every model."""
    tokens_total, notes, amounts = Decimal(0), [], []
    currency_of = None
    per_model_done = False
    # Largest first: of several per-model quotas (1M for chat models, 500K for embeddings), the
    # value for one model is that of the largest; they do not add up.
    for b in sorted(benefits, key=lambda b: -(b.tokens or 0)):
        if b.kind != Benefit.Kind.FREE_TOKENS or not b.tokens:
            continue
        if getattr(b, "per_model", False):
            if per_model_done:
                continue
            per_model_done = True
        covered = [m.pk for m in b.models.all()] or list(vendor_models)
        found = _cheapest(covered, prices)
        if found is None:
            return Worth(None, _("no current price of the models it covers"), "tokens")
        pk, model_prices = found
        row = model_prices.input
        amounts.append((Decimal(b.tokens) * row.price.amount / MILLION, row.price.currency))
        tokens_total += b.tokens
        currency_of = row.price.currency
        if getattr(b, "per_model", False):
            notes.append(
                _("for each model you use, valued at the cheapest it covers (%(model)s)")
                % {"model": _name(model_prices)}
            )
        elif not b.models.all():
            notes.append(
                _("for every model, valued at the cheapest paid one (%(model)s)")
                % {"model": _name(model_prices)}
            )
        else:
            notes.append(
                _("at the input list price of the cheapest model it covers (%(model)s)")
                % {"model": _name(model_prices)}
            )
    if amounts:
        converted = [converter.convert(a, c, currency) for a, c in amounts]
        if all(v is not None for v in converted):
            money = Money(sum(converted, Decimal(0)), currency)
        elif len({c for _a, c in amounts}) == 1:
            money = Money(sum(a for a, _c in amounts), currency_of, unconverted=True)
        else:
            money = None
        return Worth(money, "; ".join(dict.fromkeys(notes)), "tokens")
    for b in benefits:
        if b.kind == Benefit.Kind.DISCOUNT and b.percent:
            covered = [m.pk for m in b.models.all()] or list(vendor_models)
            found = _cheapest(covered, prices)
            if found is None or found[1].output is None:
                return Worth(None, _("no current price of the models it covers"), "discount")
            pk, model_prices = found
            inp, out = model_prices.input.price, model_prices.output.price
            month = (TYPICAL_INPUT * inp.amount + TYPICAL_OUTPUT * out.amount) / MILLION
            if inp.currency != out.currency:
                return Worth(None, _("the model's prices are in two currencies"), "discount")
            saved = month * b.percent / 100
            note = _("saved on a typical month (10M input + 2M output tokens) on %(model)s") % {
                "model": _name(model_prices)
            }
            return Worth(_money(saved, inp.currency, converter, currency), note, "discount")
    plans = [b for b in benefits if b.kind == Benefit.Kind.PLAN and b.amount is not None]
    if plans:
        b = min(plans, key=lambda p: (p.period != "month", p.amount))  # the cheapest monthly plan
        period = b.get_period_display().lower() if b.period else ""
        note = _("the price of its cheapest plan, a %(period)s (plans are not counted in estimates)") % {
            "period": period
        }
        return Worth(_money(b.amount, b.currency, converter, currency), note, "plan")
    return Worth(None, "", "")
