"""`import_catalog`: a document written into the catalog in one transaction, upserting on natural
keys, so the same document twice changes nothing."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch

from offers.catalog.io.document import load_document
from offers.catalog.io.records import CatalogError
from offers.catalog.io.validate import BENEFIT_COLUMNS, BENEFIT_FIELDS, parse_catalog
from offers.catalog.services import lock_providers, lock_rates
from offers.models import (
    Benefit,
    ExchangeRate,
    MigrationProgram,
    Model,
    ModelMapping,
    Price,
)

# --- writing ------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)

    def count(self, bucket, name, n=1):
        bucket[name] = bucket.get(name, 0) + n

    @property
    def changed(self):
        return bool(self.created or self.updated)

    def summary(self):
        if not self.changed:
            return "No changes: the catalog already matches the document."
        parts = [f"created {n} {k}" for k, n in sorted(self.created.items())]
        parts += [f"updated {n} {k}" for k, n in sorted(self.updated.items())]
        return "; ".join(parts) + "."


def known_models():
    return set(Model.objects.values_list("provider__slug", "slug", "kind"))


def import_catalog(raw, *, dry_run=False):
    """Validate and write a catalog document (bytes, str or loaded JSON). Atomic.

    Raises CatalogError (nothing written) on any problem; returns an ImportResult.
    """
    document = raw if isinstance(raw, dict | list) else load_document(raw)
    catalog = parse_catalog(document, known_models=known_models())
    with transaction.atomic():
        result = _write(catalog)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _apply_fields(obj, fields):
    changed = False
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _write(catalog):
    result = ImportResult()
    errors = []
    # The per-provider write lock, shared with the scrapers' apply: a concurrent apply on the same
    # providers waits for this import (or this import for it) instead of failing on a constraint.
    locked = lock_providers({r.slug: r.fields for r in catalog.providers})
    providers = {}
    for prec in catalog.providers:
        provider, created = locked[prec.slug]
        providers[prec.slug] = provider
        if created:
            result.count(result.created, "providers")
        elif _apply_fields(provider, prec.fields):
            provider.save()
            result.count(result.updated, "providers")
        _write_models(provider, prec, result, errors)

    all_models = {(m.provider.slug, m.slug): m for m in Model.objects.select_related("provider")}
    for prec in catalog.providers:
        for program_rec in prec.programs:
            _write_program(providers[prec.slug], program_rec, all_models, result)

    _write_mappings(catalog.mappings, all_models, result)
    _write_rates(catalog.rates, result)
    if errors:
        raise CatalogError(errors)
    return result


def _write_models(provider, prec, result, errors):
    existing = {
        m.slug: m
        for m in provider.models.prefetch_related(Prefetch("prices", queryset=Price.objects.approved()))
    }
    for mrec in prec.models:
        model = existing.get(mrec.slug)
        if model is None:
            model = Model.objects.create(provider=provider, slug=mrec.slug, **mrec.fields)
            result.count(result.created, "models")
            prices = {}
        else:
            if _apply_fields(model, mrec.fields):
                model.save()
                result.count(result.updated, "models")
            prices = {
                (p.kind, p.currency, p.tier_min_input_tokens, p.tier_max_input_tokens, p.valid_from,
                 *p.dimensions_key): p
                for p in model.prices.all()  # approved only: see the prefetch above
            }  # fmt: skip
        # Rows the document closes (valid_to set) no longer count as current.
        closed_by_document = {rec.key for rec in mrec.prices if rec.valid_to is not None}
        current_elsewhere = {
            (p.kind, p.currency, p.tier_min_input_tokens or 0, p.tier_max_input_tokens, *p.dimensions_key): p
            for key, p in prices.items()
            if p.valid_to is None and key not in closed_by_document
        }
        new_rows = []
        for rec in mrec.prices:
            fields = {
                "amount": rec.amount,
                "valid_to": rec.valid_to,
                "source_url": rec.source_url,
                "checked_on": rec.checked_on,
                "method": rec.method,
                "confidence": rec.confidence,
                "note": rec.note,
            }
            row = prices.get(rec.key)
            if rec.valid_to is None:
                other = current_elsewhere.get(rec.slot)
                if other is not None and other.valid_from != rec.valid_from:
                    errors.append(
                        f"{rec.path}.valid_from: the catalog already has a current {rec.kind} price "
                        f"for {provider.slug}/{mrec.slug} valid from {other.valid_from}; close it "
                        "(valid_to) in the document or the admin first"
                    )
                    continue
            if row is None:
                new_rows.append(
                    Price(
                        model=model,
                        kind=rec.kind,
                        currency=rec.currency,
                        tier_min_input_tokens=rec.tier_min,
                        tier_max_input_tokens=rec.tier_max,
                        valid_from=rec.valid_from,
                        service_tier=rec.service_tier,
                        region=rec.region,
                        time_window=rec.time_window,
                        tier_min_output_tokens=rec.tier_min_output_tokens,
                        tier_max_output_tokens=rec.tier_max_output_tokens,
                        mode=rec.mode,
                        **fields,
                    )
                )
            elif _apply_fields(row, fields):
                row.save()
                result.count(result.updated, "prices")
        if new_rows:
            Price.objects.bulk_create(new_rows)
            result.count(result.created, "prices", len(new_rows))


def _benefit_state(kind, fields, models):
    return (kind, tuple(sorted(fields.items())), tuple(models))


def _write_program(provider, rec, all_models, result):
    program = MigrationProgram.objects.filter(slug=rec.slug).first()
    fields = dict(rec.fields, provider_id=provider.pk)
    if program is None:
        program = MigrationProgram.objects.create(slug=rec.slug, **fields)
        result.count(result.created, "programs")
        existing_state = None
    else:
        if _apply_fields(program, fields):
            program.save()
            result.count(result.updated, "programs")
        existing_state = [
            _benefit_state(b.kind, _benefit_fields(b), sorted(m.slug for m in b.models.all()))
            for b in program.benefits.prefetch_related("models")
        ]
    wanted = [_benefit_state(b.kind, b.fields, b.models) for b in rec.benefits]
    if existing_state == wanted:
        return
    if existing_state is not None:
        program.benefits.all().delete()
        result.count(result.updated, "benefit lists")
    for position, brec in enumerate(rec.benefits):
        benefit = Benefit.objects.create(program=program, position=position, kind=brec.kind, **brec.fields)
        if brec.models:
            benefit.models.set([all_models[(provider.slug, slug)] for slug in brec.models])
        if existing_state is None:
            result.count(result.created, "benefits")


def _benefit_fields(benefit):
    names = ["description", *[f for f in BENEFIT_FIELDS.get(benefit.kind, ()) if f != "models"]]
    columns = [BENEFIT_COLUMNS.get(name, name) for name in names]
    return {column: getattr(benefit, column) for column in columns}


def _write_mappings(recs, all_models, result):
    existing = {
        (m.openai_model.provider.slug, m.openai_model.slug, m.provider.slug, m.rank): m
        for m in ModelMapping.objects.select_related("openai_model__provider", "provider", "model")
    }
    for rec in recs:
        model = all_models[(rec.provider, rec.model)]
        mapping = existing.get((rec.from_provider, rec.openai_model, rec.provider, rec.rank))
        if mapping is None:
            ModelMapping.objects.create(
                openai_model=all_models[(rec.from_provider, rec.openai_model)],
                provider=model.provider,
                model=model,
                rank=rec.rank,
                note=rec.note,
                fit=rec.fit,
            )
            result.count(result.created, "mappings")
        elif _apply_fields(mapping, {"model": model, "note": rec.note, "fit": rec.fit}):
            mapping.save()
            result.count(result.updated, "mappings")


def _write_rates(recs, result):
    if recs:
        lock_rates()
    existing = {(r.base, r.quote, r.date): r for r in ExchangeRate.objects.all()}
    new = []
    for rec in recs:
        row = existing.get((rec.base, rec.quote, rec.date))
        if row is None:
            new.append(
                ExchangeRate(
                    base=rec.base, quote=rec.quote, rate=rec.rate, date=rec.date, source_url=rec.source_url
                )
            )
        elif _apply_fields(row, {"rate": rec.rate, "source_url": rec.source_url}):
            row.save()
            result.count(result.updated, "exchange rates")
    if new:
        ExchangeRate.objects.bulk_create(new)
        result.count(result.created, "exchange rates", len(new))
