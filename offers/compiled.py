"""The compiled catalog: everything the estimator reads, built once per catalog version and
process (issue 9, point 2).

`compiled()` returns the `Compiled` catalog of the current version (offers.version): providers,
models, counterpart mappings with their models' availability dates, approved price rows with
their dimensions and validity, published programmes with the fields their status on a date needs,
benefits with their models, and exchange rates. It is built in BUILD_QUERIES queries whatever the
size of the catalog, kept in a module-level slot guarded by the version and shared by every request
and thread of the process; a build is done by one thread while the others wait for it. Reading it
costs the version check only (one query at most once a second, offers.version).

Everything in it is read-only once built: `estimator.load_snapshot` selects from it in Python.
A connection whose open transaction has written the catalog (a test, an import in progress) gets
a private build, kept on that connection until its next catalog write: its data are not
committed, and the version does not move again for later writes of the same transaction.

It also holds what the estimate page shows the same to everyone: the OpenAI models of the model
picker, the currencies the rates reach and each vendor's models by kind (`vendor_models`).
"""

import threading
from bisect import bisect_right
from collections import namedtuple
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections

from .counterparts import is_available
from .models import Benefit, ExchangeRate, MigrationProgram, Model, ModelMapping, Price, Provider
from .version import catalog_version, has_uncommitted_writes, writes_seen

# providers, models, mappings, prices, programmes, benefits, benefit models, rates
BUILD_QUERIES = 8

PRICE_FIELDS = (
    "id", "model_id", "kind", "amount", "currency", "tier_min_input_tokens", "tier_max_input_tokens",
    "source_url", "checked_on", "confidence", "service_tier", "region", "time_window", "valid_from",
    "valid_to",
)  # fmt: skip
PriceRow = namedtuple("PriceRow", PRICE_FIELDS)
BENEFIT_FIELDS = (
    "id", "program_id", "kind", "tokens", "ratio", "percent", "months", "amount", "currency", "valid_days",
    "description",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Counterpart:
    """One mapping row: `model` replaces an OpenAI model at `provider_id` while available."""

    provider_id: int
    rank: int
    released_on: object  # date | None
    deprecated_on: object  # date | None
    model: object  # estimator.ModelRef

    def available_on(self, on):
        return is_available(self.released_on, self.deprecated_on, on)


@dataclass
class Compiled:
    version: str
    providers: list  # published alternative providers (Provider), by slug, baselines left out
    models: dict  # (provider slug, model slug) -> ModelRef, every model
    counterparts: dict  # OpenAI model id -> [Counterpart] by provider id, then rank
    prices: dict  # model id -> [PriceRow] approved, by id
    programs: dict  # provider id -> [MigrationProgram] published, by slug
    benefits: dict  # programme id -> [BenefitRow] by position, then id
    rates: dict  # (base, quote) -> ([date], [ExchangeRate]) by date
    # (provider id, kind) -> [(slug, name, released_on, deprecated_on)] by slug (the database's order)
    vendor_models: dict = field(default_factory=dict)
    openai_models: list = field(default_factory=list)  # [(slug, name)] of OpenAI, by slug
    # Rule 10: the baseline providers (published), by slug, not among `providers`; their models
    baseline_providers: dict = field(default_factory=dict)
    baseline_models: dict = field(default_factory=dict)  # baseline slug -> [(slug, name)] by slug
    available: dict = field(default_factory=dict)  # (provider id, kind, date) -> available_models
    plans: dict = field(default_factory=dict)  # the estimator's line plans (estimator.price_line)

    def counterpart(self, openai_id, provider_ids, on):
        """{provider id: ModelRef} of the best-ranked mapping available on `on` (rule 4)."""
        found = {}
        for c in self.counterparts.get(openai_id, ()):
            if c.provider_id in provider_ids and c.provider_id not in found and c.available_on(on):
                found[c.provider_id] = c.model
        return found

    def available_models(self, provider_id, kind, on):
        """[(slug, name)] of a vendor's models of `kind` available on `on` (rule 4: released, not
        yet retired), by slug; kept per date (the estimate page's model choices)."""
        key = (provider_id, kind, on)
        found = self.available.get(key)
        if found is None:
            if len(self.available) >= 100_000:
                self.available.clear()
            found = self.available[key] = [
                (slug, name)
                for slug, name, released, retired in self.vendor_models.get((provider_id, kind), ())
                if is_available(released, retired, on)
            ]
        return found

    def rate_rows(self, currencies, on):
        """Per pair of `currencies`: the latest rate on or before `on` and the earliest after it."""
        rows = []
        for (base, quote), (dates, pair_rows) in self.rates.items():
            if base in currencies and quote in currencies:
                i = bisect_right(dates, on)
                if i:
                    rows.append(pair_rows[i - 1])
                if i < len(dates):  # one rate per pair and day: dates[i] is the first after `on`
                    rows.append(pair_rows[i])
        return rows


def build():
    """The compiled catalog, read in BUILD_QUERIES queries (repeated strings, amounts and dates are
    shared between rows to keep it small: about 25 MB for 50 vendors x 100 models)."""
    from .estimator import BASELINES, BenefitRow, ModelRef

    shared = {}

    def one(value):
        return shared.setdefault(value, value)

    published = list(Provider.objects.published().order_by("slug"))
    providers = [p for p in published if p.slug not in BASELINES]
    baseline_providers = {p.slug: p for p in published if p.slug in BASELINES}
    models, by_id, vendor_models, openai_models, baseline_models = {}, {}, {}, [], {}
    for pk, slug, name, kind, provider_slug, provider_id, released, retired in Model.objects.values_list(
        "pk", "slug", "name", "kind", "provider__slug", "provider_id", "released_on", "deprecated_on"
    ).order_by("slug"):
        ref = ModelRef(pk, slug, name, one(kind))
        models[(one(provider_slug), slug)] = ref
        by_id[pk] = ref
        vendor_models.setdefault((provider_id, ref.kind), []).append((slug, name, released, retired))
        if provider_slug == "openai":
            openai_models.append((slug, name))
        if provider_slug in BASELINES:
            baseline_models.setdefault(provider_slug, []).append((slug, name))
    counterparts = {}
    for openai_id, provider_id, rank, model_id, released, deprecated in ModelMapping.objects.order_by(
        "openai_model_id", "provider_id", "rank"
    ).values_list(
        "openai_model_id", "provider_id", "rank", "model_id", "model__released_on", "model__deprecated_on"
    ):
        counterparts.setdefault(openai_id, []).append(
            Counterpart(provider_id, rank, released, deprecated, by_id[model_id])
        )
    prices, windows, amounts = {}, {}, {}
    for row in Price.objects.approved().order_by("id").values_list(*PRICE_FIELDS):
        row = list(row)
        for i in (2, 4, 7, 8, 9, 10, 11, 13, 14):
            row[i] = one(row[i])
        # Equal Decimals may be written differently ("1.0", "1"): share by their text.
        row[3] = amounts.setdefault(str(row[3]), row[3])
        if row[12] is not None:  # a time window (a dict from JSON): one object per distinct window
            key = repr(sorted(row[12].items()))
            row[12] = windows.setdefault(key, row[12])
        prices.setdefault(row[1], []).append(PriceRow(*row))
    programs, benefits, by_benefit = {}, {}, {}
    for program in MigrationProgram.objects.published().order_by("slug"):
        programs.setdefault(program.provider_id, []).append(program)
        benefits[program.pk] = []
    for row in (
        Benefit.objects.filter(program__in=MigrationProgram.objects.published())
        .order_by("position", "id")
        .values_list(*BENEFIT_FIELDS)
    ):
        benefit = BenefitRow(*row)
        by_benefit[benefit.id] = benefit
        benefits[benefit.program_id].append(benefit)
    links = Benefit.models.through.objects.filter(benefit__program__in=MigrationProgram.objects.published())
    for benefit_id, model_id in links.order_by("id").values_list("benefit_id", "model_id"):
        by_benefit[benefit_id].models.append(by_id[model_id])
    rates = {}
    for rate in ExchangeRate.objects.order_by("base", "quote", "date"):
        dates, rows = rates.setdefault((rate.base, rate.quote), ([], []))
        dates.append(rate.date)
        rows.append(rate)
    return Compiled(
        version="",
        providers=providers,
        models=models,
        counterparts=counterparts,
        prices=prices,
        programs=programs,
        benefits=benefits,
        rates=rates,
        vendor_models=vendor_models,
        openai_models=openai_models,
        baseline_providers=baseline_providers,
        baseline_models=baseline_models,
    )


_current = None  # the Compiled catalog of the latest version this process has seen
_lock = threading.Lock()


def forget():
    """Drop this process's compiled catalog (tests start afresh)."""
    global _current
    _current = None
    connections[DEFAULT_DB_ALIAS].banjia_compiled = None


def compiled():
    """The compiled catalog of the current version: shared, built at most once per version."""
    global _current
    if has_uncommitted_writes():
        conn = connections[DEFAULT_DB_ALIAS]
        seen = (writes_seen(), tuple(conn.savepoint_ids))  # a rolled-back savepoint changes it too
        private = getattr(conn, "banjia_compiled", None)
        if private is None or private[0] != seen:
            private = (seen, build())
            conn.banjia_compiled = private
        return private[1]
    version = catalog_version()
    current = _current
    if current is not None and current.version == version:
        return current
    with _lock:
        current = _current
        if current is None or current.version != version:
            current = build()
            current.version = version
            _current = current
    return current
