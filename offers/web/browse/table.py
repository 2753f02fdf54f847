"""The model table (/models/): filters, sorts and pagination in the database, and the compare tray."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import (
    F,
    Q,
)
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy

from offers.catalog.fx import Converter, Rate
from offers.catalog.safety import clean_or_empty
from offers.models import (
    Model,
    Price,
    today,
)
from offers.web.browse.currency import rates_behind
from offers.web.browse.prices import ModelPrices, current_price_subquery, current_prices

MODELS_PER_PAGE = 50
COMPARE_MAX = 4


# --- Model table ------------------------------------------------------------------------------

MODEL_SORTS = {
    "name": gettext_lazy("Name (A–Z)"),
    "-name": gettext_lazy("Name (Z–A)"),
    "input": gettext_lazy("Input price (low to high)"),
    "-input": gettext_lazy("Input price (high to low)"),
    "output": gettext_lazy("Output price (low to high)"),
    "-output": gettext_lazy("Output price (high to low)"),
    "-context": gettext_lazy("Context window (large to small)"),
    "context": gettext_lazy("Context window (small to large)"),
}


@dataclass
class ModelRow:
    model: Model
    prices: ModelPrices
    picked: bool = False  # ticked for comparison (in the page's ?m=)

    @property
    def key(self):
        return f"{self.model.provider.slug}/{self.model.slug}"


@dataclass
class CompareTray:
    """The models picked for comparison on a browse page: `?m=provider/model`, in the order picked.

    `refused` holds the picks beyond COMPARE_MAX (the last ticked first to go): the page says they
    were not added, and its links carry only `keys`.
    """

    models: list[Model] = field(default_factory=list)
    refused: list[Model] = field(default_factory=list)
    off_page: list[str] = field(default_factory=list)  # picked keys with no checkbox on this page
    max: int = COMPARE_MAX

    @property
    def keys(self) -> list[str]:
        return [f"{m.provider.slug}/{m.slug}" for m in self.models]

    @property
    def is_full(self):
        return len(self.models) >= self.max

    @property
    def query(self) -> str:
        """`m=zhipu%2Fglm-4&m=...`: the picks alone, for links that reset everything else."""
        return urlencode([("m", key) for key in self.keys])

    @property
    def refused_names(self) -> str:
        return ", ".join(m.name for m in self.refused)


def compare_tray(keys) -> CompareTray:
    """The picked models by (provider, model) key: one query, none when nothing is picked.

    Unknown keys are dropped. Only the first few keys are looked up, so a crafted URL with many
    `m` cannot grow the query; anything past COMPARE_MAX is refused, not silently dropped.
    """
    keys = list(keys)[: COMPARE_MAX * 2]
    if not keys:
        return CompareTray()
    condition = Q(pk__in=[])
    for provider, slug in keys:
        condition |= Q(provider__slug=provider, slug=slug)
    found = {
        (m.provider.slug, m.slug): m
        for m in Model.objects.published().filter(condition).select_related("provider")
    }
    picked = [found[k] for k in keys if k in found]
    return CompareTray(models=picked[:COMPARE_MAX], refused=picked[COMPARE_MAX:])


@dataclass
class ModelTable:
    page: object  # django.core.paginator.Page of ModelRow
    total: int
    converter: Converter
    tray: CompareTray = field(default_factory=CompareTray)

    @property
    def rates(self) -> list[Rate]:
        """The exchange rates behind the prices the table shows (headline rows and variants)."""
        shown = []
        for row in self.page.object_list:
            prices = row.prices
            shown += [prices.input, prices.output, *prices.input_variants, *prices.output_variants]
        return rates_behind((r.money for r in shown if r), self.converter)


def model_queryset(filters: dict, converter: Converter, currency: str, on: date):
    """Published models filtered and sorted in SQL; prices converted to `currency` in SQL."""
    qs = Model.objects.published().select_related("provider")
    q = clean_or_empty(filters.get("q")).strip()
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(slug__icontains=q)
            | Q(provider__name__icontains=q)
            | Q(provider__name_zh__icontains=q)
            | Q(provider__slug__icontains=q)
        )
    if filters.get("vendor"):
        qs = qs.filter(provider__slug=filters["vendor"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("capability"):
        # JSON text match with the quotes, so "json" does not match "json_schema"; works on SQLite
        # and PostgreSQL alike (jsonb containment is PostgreSQL-only).
        qs = qs.filter(capabilities__icontains=f'"{filters["capability"]}"')
    if filters.get("min_context"):
        qs = qs.filter(context_window__gte=filters["min_context"])
    if filters.get("compatible"):
        qs = qs.filter(provider__openai_compatible=True)
    qs = _dimension_filters(qs, filters, on)
    currencies = converter.currencies()
    sort = filters.get("sort") or "name"
    needs_input = sort.lstrip("-") == "input" or filters.get("max_input") is not None
    needs_output = sort.lstrip("-") == "output" or filters.get("max_output") is not None
    if needs_input:
        qs = qs.annotate(
            input_sort=current_price_subquery(Price.Kind.INPUT, on, converter, currency, currencies)
        )
    if needs_output:
        qs = qs.annotate(
            output_sort=current_price_subquery(Price.Kind.OUTPUT, on, converter, currency, currencies)
        )
    if filters.get("max_input") is not None:
        qs = qs.filter(input_sort__lte=filters["max_input"])
    if filters.get("max_output") is not None:
        qs = qs.filter(output_sort__lte=filters["max_output"])
    name_order = [Lower("name").asc(), "provider__slug", "slug"]
    orders = {
        "name": name_order,
        "-name": [Lower("name").desc(), "provider__slug", "slug"],
        "input": [F("input_sort").asc(nulls_last=True), *name_order],
        "-input": [F("input_sort").desc(nulls_last=True), *name_order],
        "output": [F("output_sort").asc(nulls_last=True), *name_order],
        "-output": [F("output_sort").desc(nulls_last=True), *name_order],
        "context": [F("context_window").asc(nulls_last=True), *name_order],
        "-context": [F("context_window").desc(nulls_last=True), *name_order],
    }
    return qs.order_by(*orders.get(sort, name_order))


def _dimension_filters(qs, filters: dict, on: date):
    """has_batch, has_offpeak, region ("home", "cn", "intl"): models with a current approved row of
    that tier, with a time window, of that region. Subqueries of the same SQL statement."""
    current = Price.objects.current(on=on)
    if filters.get("has_batch"):
        qs = qs.filter(pk__in=current.filter(service_tier=Price.ServiceTier.BATCH).values("model_id"))
    if filters.get("has_offpeak"):
        qs = qs.filter(pk__in=current.filter(time_window__isnull=False).values("model_id"))
    region = filters.get("region")
    if region == "home":
        qs = qs.filter(pk__in=current.filter(region__isnull=True).values("model_id"))
    elif region in Price.Region.values:
        qs = qs.filter(pk__in=current.filter(region=region).values("model_id"))
    return qs


def model_table(
    filters: dict, *, page=1, picks=(), currency="USD", on=None, per_page=MODELS_PER_PAGE
) -> ModelTable:
    """One page of the model table and the compare tray: rates, count, page, prices (four
    queries), and one more for the picked models' names when something is picked."""
    on = on or today()
    converter = Converter.load(on)
    paginator = Paginator(model_queryset(filters, converter, currency, on), per_page)
    page_obj = paginator.get_page(page)
    models = list(page_obj.object_list)
    prices = current_prices([m.pk for m in models], converter, currency, on)
    tray = compare_tray(picks)
    rows = [ModelRow(m, prices.get(m.pk) or ModelPrices()) for m in models]
    picked = set(tray.keys)
    for row in rows:
        row.picked = row.key in picked
    shown = {row.key for row in rows}
    tray.off_page = [key for key in tray.keys if key not in shown]
    page_obj.object_list = rows
    return ModelTable(page=page_obj, total=paginator.count, converter=converter, tray=tray)
