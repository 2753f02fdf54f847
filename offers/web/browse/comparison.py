"""Compare: up to COMPARE_MAX models side by side against an OpenAI baseline, and the model search."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Q,
)

from offers.catalog.counterparts import counterparts
from offers.catalog.fx import Converter
from offers.catalog.safety import clean_or_empty
from offers.models import (
    MigrationProgram,
    Model,
    Price,
    today,
)
from offers.web.browse.currency import Money
from offers.web.browse.prices import (
    KIND_ORDER,
    ModelPrices,
    PriceRow,
    _dimension_order,
    current_prices,
    price_terms,
)
from offers.web.browse.table import COMPARE_MAX, model_queryset

# --- Compare ----------------------------------------------------------------------------------


@dataclass
class CompareColumn:
    model: Model
    prices: ModelPrices
    programs: list[MigrationProgram]
    input_ratio: Decimal | None
    output_ratio: Decimal | None
    counterpart: Model | None = None  # the vendor's counterpart of the baseline model (rule 4)


@dataclass
class CompareLine:
    """One price kind at one service tier, region and window, across the compared models."""

    label: str
    cells: list[PriceRow | None]
    baseline: PriceRow | None = None


@dataclass
class Comparison:
    columns: list[CompareColumn]
    baseline: Model | None
    baseline_prices: ModelPrices | None
    openai_models: list[Model]
    missing: list[str]
    converter: Converter
    capabilities: tuple = Model.CAPABILITIES
    variant_lines: list[CompareLine] = field(default_factory=list)
    # False when the baseline is one of the picked models: it is not shown twice.
    baseline_column: bool = True


def variant_lines(columns: list[CompareColumn], baseline: ModelPrices | None) -> list[CompareLine]:
    """A line per (tier, region, window, kind) that any compared model has besides its headline
    prices; the baseline's cell is filled where OpenAI has the same kind of row."""
    found = {}
    for col in columns:
        for kind in KIND_ORDER:
            for row in col.prices.variants(kind):
                found.setdefault((row.price.dimensions_key, kind), row.price)
    order = sorted(found, key=lambda key: (_dimension_order(found[key]), KIND_ORDER.index(key[1])))
    labels = dict(Price.Kind.choices)

    def cell(prices, key):
        dims, kind = key
        return next((row for row in prices.variants(kind) if row.price.dimensions_key == dims), None)

    lines = []
    for key in order:
        price = found[key]
        # Vendors' regional rows differ in currency: the line names the region alone.
        terms = price_terms(price, with_currency=False)
        lines.append(
            CompareLine(
                label=f"{labels[key[1]]} · {terms}",
                cells=[cell(col.prices, key) for col in columns],
                baseline=cell(baseline, key) if baseline else None,
            )
        )
    return lines


def parse_model_keys(values) -> list[tuple[str, str]]:
    """'provider/model-id' strings to (provider, model) pairs, deduplicated, in order."""
    keys = []
    for value in values:
        # A key with a NUL or a lone surrogate names no model (and must not reach a query).
        provider, sep, slug = clean_or_empty(value).strip().partition("/")
        if sep and provider and slug and (provider, slug) not in keys:
            keys.append((provider, slug))
    return keys


def _ratio(value: Money | None, base: Money | None) -> Decimal | None:
    if not value or not base or value.amount is None or base.amount is None:
        return None
    if value.unconverted or base.unconverted or value.currency != base.currency or base.amount == 0:
        return None
    return value.amount / base.amount


def compare(keys, *, baseline="gpt-4o", currency="USD", on=None) -> Comparison:
    """Up to four models side by side with the ratio of their prices to an OpenAI model."""
    on = on or today()
    keys = keys[:COMPARE_MAX]
    converter = Converter.load(on)  # 1
    condition = Q(pk__in=[])
    for provider, slug in keys:
        condition |= Q(provider__slug=provider, slug=slug)
    found = {  # 2
        (m.provider.slug, m.slug): m
        for m in Model.objects.published().filter(condition).select_related("provider")
    }
    # 3: the reference models: OpenAI's, then Claude's (a team leaving Claude compares with its model)
    openai_models = list(
        Model.objects.filter(provider__slug__in=("openai", "anthropic"), kind=Model.Kind.CHAT)
        .select_related("provider")
        .order_by("-provider__slug", "slug")
    )
    base_model = next((m for m in openai_models if m.slug == baseline), None)
    if base_model is None and openai_models:
        base_model = next((m for m in openai_models if m.slug == "gpt-4o"), openai_models[0])
    chosen = [found[k] for k in keys if k in found]
    ids = {m.pk for m in chosen} | ({base_model.pk} if base_model else set())
    prices = current_prices(ids, converter, currency, on)  # 4
    provider_ids = {m.provider_id for m in chosen}
    programs = list(  # 5, 6
        MigrationProgram.objects.published()
        .active(on=on)
        .select_related("provider")
        .filter(provider_id__in=provider_ids)
        .prefetch_related("benefits__models")
    )
    base_prices = prices.get(base_model.pk) if base_model else None
    # 7: each column's vendor's counterpart of the baseline model today (rule 4)
    mapped = (
        counterparts(on, openai_models=[base_model.pk], providers=provider_ids)
        if base_model and provider_ids
        else {}
    )
    columns = []
    for model in chosen:
        model_prices = prices.get(model.pk) or ModelPrices()
        applying = []
        for program in programs:
            if program.provider_id != model.provider_id:
                continue
            for benefit in program.benefits.all():
                ids_ = {m.pk for m in benefit.models.all()}
                if not ids_ or model.pk in ids_:
                    applying.append(program)
                    break
        columns.append(
            CompareColumn(
                model=model,
                prices=model_prices,
                programs=applying,
                input_ratio=_ratio(
                    model_prices.input and model_prices.input.money,
                    base_prices and base_prices.input and base_prices.input.money,
                ),
                output_ratio=_ratio(
                    model_prices.output and model_prices.output.money,
                    base_prices and base_prices.output and base_prices.output.money,
                ),
                counterpart=mapped.get((base_model.pk, model.provider_id)) if base_model else None,
            )
        )
    missing = [f"{p}/{s}" for p, s in keys if (p, s) not in found]
    shown = list(chosen) + ([base_model] if base_model else [])
    # Only the capabilities some model on the page has: no row empty for every model.
    capabilities = tuple(
        cap for cap in Model.CAPABILITIES if any(cap in (m.capabilities or ()) for m in shown)
    )
    comparison = Comparison(
        columns,
        base_model,
        base_prices,
        openai_models,
        missing,
        converter,
        capabilities=capabilities,
        baseline_column=base_model is not None and base_model not in chosen,
    )
    comparison.variant_lines = variant_lines(columns, base_prices)
    return comparison


def compare_search(q: str, *, exclude=(), limit=10) -> list[Model]:
    """Models matching `q` to add to a comparison: one query, none for fewer than 2 characters."""
    q = clean_or_empty(q).strip()
    if len(q) < 2:
        return []
    rows = model_queryset({"q": q}, Converter([], today()), "USD", today())[: limit + len(exclude)]
    excluded = set(exclude)
    return [m for m in rows if (m.provider.slug, m.slug) not in excluded][:limit]
