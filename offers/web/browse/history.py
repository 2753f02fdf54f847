"""A model's page: its current prices and price history as a chart."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Prefetch,
    Q,
)

from offers.catalog.counterparts import counterparts
from offers.catalog.fx import Converter, Rate
from offers.models import (
    Benefit,
    MigrationProgram,
    Model,
    Price,
    today,
)
from offers.web.browse.currency import Money, rates_behind
from offers.web.browse.offer_board import ProgramCard, program_card
from offers.web.browse.prices import (
    ModelPrices,
    _dimension_order,
    _tier_key,
    current_prices,
    is_headline,
    price_terms,
)

# --- Model page: price history ----------------------------------------------------------------


@dataclass
class Series:
    label: str
    kind: str
    currency: str
    points: list[tuple[date, date | None, Decimal]]  # (from, to, amount)
    path: str = ""
    colour: str = ""


@dataclass
class Chart:
    width: int
    height: int
    series: list[Series]
    start: date
    end: date
    max_amount: Decimal
    y_ticks: list[tuple[float, Decimal]]
    x_ticks: list[tuple[float, date]]
    currency: str
    higher_tiers_left_out: bool = False


# Mirrored in static/css/banjia.css (legend swatches; no inline styles under the CSP).
CHART_COLOURS = ("#1f6feb", "#d1495b", "#2a9d8f", "#e9a23b", "#6d597a", "#577590", "#8f2d56", "#3a7d44")
CHART_W, CHART_H, CHART_PAD_L, CHART_PAD_B, CHART_PAD_T, CHART_PAD_R = 640, 240, 56, 28, 12, 12


def price_chart(history: list[Price], on: date) -> Chart | None:
    """Step lines of each price slot over time, as SVG paths (no JavaScript needed).

    Only rows in the model's most common currency are drawn (one y axis), and of a prompt-length
    ladder only its first tier (a model with tiers, batch and international rows would otherwise
    draw some 18 lines); the table below the chart lists every row. The y axis has round ticks.
    """
    if not history:
        return None
    counts: dict[str, int] = defaultdict(int)
    for row in history:
        counts[row.currency] += 1
    currency = max(counts, key=lambda c: (counts[c], c == "USD"))
    in_currency = [r for r in history if r.currency == currency]
    rows = [r for r in in_currency if (r.tier_min_input_tokens or 0) == 0] or in_currency
    start = min(r.valid_from for r in rows)
    end = max([on, *(r.valid_to for r in rows if r.valid_to)])
    if end <= start:
        end = date.fromordinal(start.toordinal() + 1)
    peak = max(r.amount for r in rows) or Decimal(1)
    step = _nice_step(peak)
    top = step * math.ceil(peak * Decimal("1.05") / step)
    plot_w = CHART_W - CHART_PAD_L - CHART_PAD_R
    plot_h = CHART_H - CHART_PAD_T - CHART_PAD_B
    span = end.toordinal() - start.toordinal()

    def x(d: date) -> float:
        return round(CHART_PAD_L + plot_w * (d.toordinal() - start.toordinal()) / span, 1)

    def y(amount: Decimal) -> float:
        return round(CHART_PAD_T + plot_h * float(1 - amount / top), 1)

    slots: dict[tuple, Series] = {}
    labels = dict(Price.Kind.choices)
    for row in sorted(rows, key=lambda r: (r.kind, _dimension_order(r), _tier_key(r), r.valid_from)):
        key = (row.kind, row.dimensions_key, _tier_key(row))
        if key not in slots:
            label = str(labels.get(row.kind, row.kind))
            if row.tier_label:
                label = f"{label} ({row.tier_label})"
            if not is_headline(row):
                label = f"{label} · {price_terms(row)}"
            slots[key] = Series(label, row.kind, currency, [])
        slots[key].points.append((row.valid_from, row.valid_to, row.amount))
    series = list(slots.values())
    for index, s in enumerate(series):
        s.colour = CHART_COLOURS[index % len(CHART_COLOURS)]
        parts = []
        for valid_from, valid_to, amount in s.points:
            stop = min(valid_to or end, end)
            parts.append(f"M{x(valid_from)},{y(amount)} H{x(stop)}")
        s.path = " ".join(parts)
    y_ticks = [(y(step * i), step * i) for i in range(int(top / step) + 1)]
    x_ticks = [(x(start), start), (x(end), end)]
    if span > 60:
        middle = date.fromordinal(start.toordinal() + span // 2)
        x_ticks.insert(1, (x(middle), middle))
    return Chart(
        CHART_W, CHART_H, series, start, end, top, y_ticks, x_ticks, currency, len(rows) < len(in_currency)
    )


def _nice_step(peak: Decimal) -> Decimal:
    """A round tick step (1, 2, 2.5 or 5 x 10^k) giving about four intervals up to `peak`."""
    raw = peak / 4
    power = Decimal(10) ** math.floor(math.log10(raw))
    for m in (1, 2, Decimal("2.5"), 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


@dataclass
class ModelPage:
    model: Model
    prices: ModelPrices
    history: list[tuple[Price, Money]]
    chart: Chart | None
    programs: list[ProgramCard]
    replaces: list[str]
    replaces_fit: dict  # {OpenAI model slug: the mapping's fit} where it is not like for like
    converter: Converter

    @property
    def rates(self) -> list[Rate]:
        """The exchange rates behind the current prices and the history's converted column."""
        moneys = [r.money for r in self.prices.all_rows()] + [money for _price, money in self.history]
        return rates_behind(moneys, self.converter)


def model_page(model: Model, *, currency="USD", on=None) -> ModelPage:
    on = on or today()
    converter = Converter.load(on)  # 1
    history = list(Price.objects.approved().filter(model=model).order_by("-valid_from", "kind"))  # 2
    programs = list(  # 3, 4, 5
        MigrationProgram.objects.published()
        .select_related("provider")
        .filter(provider_id=model.provider_id)
        .filter(Q(benefits__models=model) | Q(benefits__models__isnull=True))
        .distinct()
        .prefetch_related(
            Prefetch(
                "benefits",
                queryset=Benefit.objects.order_by("position", "id").prefetch_related(
                    Prefetch("models", queryset=Model.objects.order_by("slug"))
                ),
            )
        )
    )
    # 6: the OpenAI models this model is the counterpart of on `on` (rule 4)
    mine = [
        m
        for m in counterparts(on, providers=[model.provider_id]).values()
        if m.pk == model.pk and m.mapping_openai_model.provider.slug == "openai"
    ]
    replaces = sorted(m.mapping_openai_model.slug for m in mine)
    replaces_fit = {
        m.mapping_openai_model.slug: m.mapping_fit for m in mine if m.mapping_fit != "like_for_like"
    }
    ids = {model.pk} | {m.pk for p in programs for b in p.benefits.all() for m in b.models.all()}
    prices = current_prices(ids, converter, currency, on)  # 7
    model_prices = prices.get(model.pk) or ModelPrices()
    cards = [program_card(program, prices, converter, currency, on) for program in programs]
    return ModelPage(
        model=model,
        prices=model_prices,
        history=[(p, Money.of(p.amount, p.currency, converter, currency)) for p in history],
        chart=price_chart(history, on),
        programs=cards,
        replaces=replaces,
        replaces_fit=replaces_fit,
        converter=converter,
    )
