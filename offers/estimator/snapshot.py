"""The compiled catalog: everything the estimator reads, built once per catalog version and
process (issue 9, point 2).

`compiled()` returns the `Compiled` catalog of the current version (offers.catalog.version): providers,
models, counterpart mappings with their models' availability dates, approved price rows with
their dimensions and validity, published programmes with the fields their status on a date needs,
benefits with their models, and exchange rates. It is built in BUILD_QUERIES queries whatever the
size of the catalog, kept in a module-level slot guarded by the version and shared by every request
and thread of the process; a build is done by one thread while the others wait for it. Reading it
costs the version check only (one query at most once a second, offers.catalog.version).

Everything in it is read-only once built: `estimator.load_snapshot` selects from it in Python.
A connection whose open transaction has written the catalog (a test, an import in progress) gets
a private build, kept on that connection until its next catalog write: its data are not
committed, and the version does not move again for later writes of the same transaction.

It also holds what the estimate page shows the same to everyone: the OpenAI models of the model
picker, the currencies the rates reach and each vendor's models by kind (`vendor_models`).
"""

import gc
import threading
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from offers.catalog.counterparts import is_available
from offers.catalog.version import catalog_version, has_uncommitted_writes, writes_seen
from offers.estimator.request import ALTERNATIVE_BASELINES, BASELINE, BASELINES, USD
from offers.estimator.rows import (
    BENEFIT_FIELDS,
    PRICE_FIELDS,
    BenefitRow,
    ModelRef,
    PriceRow,
    prepare_benefit,
)
from offers.models import Benefit, ExchangeRate, MigrationProgram, Model, ModelMapping, Price, Provider

# providers, models, mappings, prices, programmes, benefits, benefit models, rates
BUILD_QUERIES = 8
# Snapshots kept per compiled catalog (load_snapshot); the dict is emptied when it reaches this size.
MAX_SNAPSHOTS = 512


@dataclass(frozen=True, slots=True)
class Counterpart:
    """One mapping row: `model` replaces an OpenAI model at `provider_id` while available."""

    provider_id: int
    rank: int
    released_on: object  # date | None
    deprecated_on: object  # date | None
    model: object  # estimator.ModelRef
    fit: str = "like_for_like"  # ModelMapping.fit: like_for_like, larger, smaller, other_class

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
    reasoning: frozenset = frozenset()  # ids of models whose capabilities include "reasoning" (rule 6)
    snapshots: dict = field(default_factory=dict)  # what load_snapshot selected, by its key

    def counterpart(self, openai_id, provider_ids, on):
        """{provider id: ModelRef} of the best-ranked mapping available on `on` (rule 4)."""
        found = {}
        for c in self.counterparts.get(openai_id, ()):
            if c.provider_id in provider_ids and c.provider_id not in found and c.available_on(on):
                found[c.provider_id] = c.model
        return found

    def counterpart_fits(self, openai_id, provider_ids, on):
        """{provider id: fit} of the mappings `counterpart` picks (rule 8's like for like)."""
        found = {}
        for c in self.counterparts.get(openai_id, ()):
            if c.provider_id in provider_ids and c.provider_id not in found and c.available_on(on):
                found[c.provider_id] = c.fit
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
    shared = {}

    def one(value):
        return shared.setdefault(value, value)

    published = list(Provider.objects.published().order_by("slug"))
    providers = [p for p in published if p.slug not in BASELINES]
    baseline_providers = {p.slug: p for p in published if p.slug in BASELINES}
    models, by_id, vendor_models, openai_models, baseline_models = {}, {}, {}, [], {}
    reasoning = set()
    for (
        pk,
        slug,
        name,
        kind,
        tokenizer,
        provider_slug,
        provider_id,
        released,
        retired,
        caps,
    ) in Model.objects.values_list(
        "pk",
        "slug",
        "name",
        "kind",
        "tokenizer",
        "provider__slug",
        "provider_id",
        "released_on",
        "deprecated_on",
        "capabilities",
    ).order_by("slug"):
        if "reasoning" in (caps or ()):
            reasoning.add(pk)
        ref = ModelRef(pk, slug, name, one(kind), one(tokenizer))
        models[(one(provider_slug), slug)] = ref
        by_id[pk] = ref
        vendor_models.setdefault((provider_id, ref.kind), []).append((slug, name, released, retired))
        if provider_slug == "openai":
            openai_models.append((slug, name))
        if provider_slug in BASELINES:
            baseline_models.setdefault(provider_slug, []).append((slug, name))
    counterparts = {}
    for openai_id, provider_id, rank, model_id, released, deprecated, fit in ModelMapping.objects.order_by(
        "openai_model_id", "provider_id", "rank"
    ).values_list(
        "openai_model_id",
        "provider_id",
        "rank",
        "model_id",
        "model__released_on",
        "model__deprecated_on",
        "fit",
    ):
        counterparts.setdefault(openai_id, []).append(
            Counterpart(provider_id, rank, released, deprecated, by_id[model_id], one(fit))
        )
    prices, windows, amounts = {}, {}, {}
    for row in Price.objects.approved().order_by("id").values_list(*PRICE_FIELDS):
        row = list(row)
        for i in (2, 4, 7, 8, 9, 10, 11, 13, 14, 17, 18):
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
    for benefit in by_benefit.values():  # model-id sets, ratios, amounts, cuts, months: once
        benefit.prepared = prepare_benefit(benefit)
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
        reasoning=frozenset(reasoning),
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
            old, _current = _current, current
            if old is not None:
                # Each snapshot refers back to its catalog: without this cycle, a request still
                # using the old version when it is frozen below frees it by reference counting.
                old.snapshots = {}
            del old
            if settings.BANJIA_GC_FREEZE:
                _freeze_long_lived()
    return current


def _freeze_long_lived():
    """Collect what the previous version left (it was frozen too), then freeze everything alive
    now, the new compiled catalog with it: later collections skip those objects
    (settings.BANJIA_GC_FREEZE). What a request in flight on another thread holds at this moment
    is frozen with it; it is freed by reference counting when that request lets go, or, if it is
    in a reference cycle, at the next version's collection."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


# --- one request's part of it ---------------------------------------------------------------


@dataclass
class Snapshot:
    """What one estimate reads from the catalog, loaded by `load_snapshot`."""

    as_of: date
    providers: list  # the published alternative providers asked for, by slug
    openai_models: dict  # slug -> ModelRef: the baseline's models (OpenAI's, or Anthropic's: rule 10)
    models: dict  # (provider slug, model slug) -> ModelRef, for overrides
    mappings: dict  # (openai slug, provider id) -> ModelRef of the counterpart on as_of (rule 4)
    prices: dict  # model id -> [price row (PRICE_FIELDS)] in force on as_of
    programs: dict  # provider id -> [MigrationProgram] in application order
    programs_left_out: dict  # provider id -> [{"program", "reason", "date"}] (rule 5)
    benefits: dict  # programme id -> [BenefitRow] by position
    rates: list  # candidate ExchangeRate rows (latest <= as_of and earliest later, per pair)
    unknown_providers: list = field(default_factory=list)  # (index, slug) asked for, not published
    # OpenAI model slug -> the later valid_from its baseline is priced at (no price yet on as_of)
    baseline_after: dict = field(default_factory=dict)
    plans: dict | None = None  # the compiled catalog's line plans (price_line), shared per version
    catalog: object = None  # the compiled catalog it was selected from (offers.estimator.snapshot.Compiled)
    fits: dict = field(default_factory=dict)  # (openai slug, provider id) -> the mapping's fit (rule 8)
    # What the engine works out once per snapshot and shares between its requests (the exchange
    # rates, each vendor's benefits prepared for the simulation), by key (offers.estimator.engine).
    memo: dict = field(default_factory=dict, compare=False, repr=False)


def not_for(program, req):
    """Rule 5, who a programme is for: "audience" when it is for the users of another baseline
    than the request's (default "openai"), "new_users_only" when it is for new accounts and the
    request says the team is not new at the vendor; None when it is for this request."""
    baseline = getattr(req, "baseline", None) or "openai"
    if program.audience and program.audience != baseline:
        return "audience"
    if program.new_users_only and not getattr(req, "new_customer", True):
        return "new_users_only"
    return None


AUDIENCE = "audience"  # rule 5: a programme for another baseline's users (programs_left_out reason)


def _for_baseline(program, baseline):
    """Rule 5, who a programme is for: one with an audience ("openai", "anthropic") counts only for
    that baseline; one without, for anyone."""
    audience = getattr(program, "audience", None)
    return not audience or audience == baseline


def load_snapshot(req, catalog=None):
    """The part of the catalog `req` needs, selected in Python from the compiled catalog of the
    current version (`offers.estimator.snapshot`): no SQL beyond the version check, except for the build
    queries (a fixed number) of the first request after a catalog change. `catalog` is a
    `Compiled` catalog to read instead (benchmarks).

    What it selects depends on the request's baseline, as_of, currency, providers, include_expired,
    new_customer,
    baseline models and overrides only, not on its token counts: it is kept in the compiled catalog (up to
    MAX_SNAPSHOTS) and shared by the requests that agree on those, so an estimate that differs from
    an earlier one by its counts selects nothing. A Snapshot is read-only."""
    catalog = catalog if catalog is not None else compiled()
    openai_slugs = sorted({line.model for line in req.usage})
    override_pairs = {(p, m) for line in req.usage for p, m in line.overrides.items() if isinstance(m, str)}
    key = (
        getattr(req, "baseline", BASELINE),
        req.as_of,
        req.currency,
        req.include_expired,
        getattr(req, "new_customer", True),  # rule 5: new_users_only programmes apply or not
        None if req.providers is None else tuple(req.providers),
        tuple(openai_slugs),
        tuple(sorted(override_pairs)),
    )
    found = catalog.snapshots.get(key)
    if found is None:
        if len(catalog.snapshots) >= MAX_SNAPSHOTS:
            catalog.snapshots.clear()
        found = catalog.snapshots[key] = _select(req, catalog, openai_slugs, override_pairs)
    return found


def _select(req, catalog, openai_slugs, override_pairs):
    """The Snapshot of `req` (see load_snapshot), selected from `catalog`."""
    as_of = req.as_of
    baseline = getattr(req, "baseline", BASELINE)

    # The alternative providers (published, by slug): the vendors, and for a Claude baseline OpenAI.
    providers = catalog.providers
    others = [
        catalog.baseline_providers[s]
        for s in ALTERNATIVE_BASELINES[baseline]
        if s in catalog.baseline_providers
    ]
    if others:
        providers = sorted([*providers, *others], key=lambda p: p.slug)
    if req.providers is not None:
        asked = set(req.providers)
        providers = [p for p in providers if p.slug in asked]
    else:
        providers = list(providers)
    found = {p.slug for p in providers}
    unknown = [
        (j, slug) for j, slug in enumerate(req.providers or ()) if slug not in found and slug != baseline
    ]
    provider_ids = {p.pk for p in providers}

    # The OpenAI models of the lines and the models named by overrides.
    models = {}
    for key in [(baseline, slug) for slug in openai_slugs] + sorted(override_pairs):
        model = catalog.models.get(key)
        if model is not None:
            models[key] = model
    openai_models = {slug: m for (p, slug), m in models.items() if p == baseline}

    # The counterpart of each OpenAI model at each provider on as_of (rule 4): the best-ranked
    # mapping whose model is available (released, not yet retired) on as_of.
    mappings, fits = {}, {}
    for slug, model in openai_models.items():
        for provider_id, counterpart in catalog.counterpart(model.pk, provider_ids, as_of).items():
            mappings[(slug, provider_id)] = counterpart
        for provider_id, fit in catalog.counterpart_fits(model.pk, provider_ids, as_of).items():
            fits[(slug, provider_id)] = fit

    # Prices in force on as_of of every model involved, of every tier, region and window (rule 6
    # chooses among them per line in `select_rows`). A line's OpenAI model launched after as_of
    # (gpt-4o-mini on 2024-07-18, asked about on 2024-07-10) is priced at its first price and the
    # response warns, rather than refusing the whole estimate.
    model_ids = {m.pk for m in models.values()} | {m.pk for m in mappings.values()}
    prices, baseline_after = {}, {}
    for model_id in model_ids:
        rows = [
            p
            for p in catalog.prices.get(model_id, ())
            if p.valid_from <= as_of and (p.valid_to is None or p.valid_to > as_of)
        ]
        if rows:
            prices[model_id] = rows
    for slug, model in openai_models.items():
        if model.pk not in prices:
            later = [p for p in catalog.prices.get(model.pk, ()) if p.valid_from > as_of]
            if later:
                first = min(p.valid_from for p in later)
                prices[model.pk] = [p for p in later if p.valid_from == first]
                baseline_after[slug] = first

    # Published programmes with their state on as_of (rule 5) and the benefits of those that
    # apply. Unpublished programmes are not in the compiled catalog: the public API omits them
    # from programs_left_out.
    programs, left_out, benefits = {}, {}, {}
    counted = {MigrationProgram.ACTIVE}
    if req.include_expired:
        counted |= {MigrationProgram.ENDED, MigrationProgram.UNCONFIRMED}
    for provider in providers:
        for program in catalog.programs.get(provider.pk, ()):
            state, when = program.status_on(as_of)
            if state in counted and not _for_baseline(program, baseline):
                state, when = AUDIENCE, None
            if state in counted:
                reason = not_for(program, req)
                if reason is not None:
                    left_out.setdefault(program.provider_id, []).append(
                        {"program": program.slug, "reason": reason, "date": None}
                    )
                    continue
                programs.setdefault(program.provider_id, []).append(program)
                benefits[program.pk] = catalog.benefits.get(program.pk, [])
            else:
                left_out.setdefault(program.provider_id, []).append(
                    {"program": program.slug, "reason": state, "date": when.isoformat() if when else None}
                )

    # Rates between every currency involved (and USD, for crosses): per pair the latest on or
    # before as_of and the earliest after it.
    currencies = {req.currency, USD} | {p.currency for rows in prices.values() for p in rows}
    currencies |= {
        b.currency for rows in benefits.values() for b in rows if b.kind == Benefit.Kind.CREDIT and b.currency
    }
    rates = catalog.rate_rows(currencies, as_of) if len(currencies) > 1 else []
    return Snapshot(
        as_of=as_of,
        providers=providers,
        openai_models=openai_models,
        models=models,
        mappings=mappings,
        prices=prices,
        programs=programs,
        programs_left_out=left_out,
        benefits=benefits,
        rates=rates,
        unknown_providers=unknown,
        baseline_after=baseline_after,
        plans=catalog.plans,
        catalog=catalog,
        fits=fits,
    )
