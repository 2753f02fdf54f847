"""Write a vendor page's offer observations into the catalog's programmes (DESIGN.md, refresh
pipeline), inside the run's transaction, as prices are written:

- an offer the page still shows with the same terms confirms its programme (confirmed_on = the run
  date; the page's words and the checked date refresh);
- a new offer becomes an unpublished programme, and a changed one (other amounts, models, end date,
  or an ended programme showing again) is updated and unpublished: both wait for review, as new
  prices go pending; publishing it in the admin approves it;
- a programme read from one of the run's pages that the pages no longer show ends (ends_on = the
  last day it was seen).
Programmes from other sources (the press, curated files) are never touched.
"""

from decimal import Decimal

from offers.catalog.services import confirm_program, end_program
from offers.models import Benefit, MigrationProgram, Model

from .offer_programs import programs

PROGRAM_FIELDS = (
    "name", "name_zh", "announced_on", "starts_on", "ends_on", "category", "audience", "eligibility",
    "openai_users_only", "new_users_only", "enterprise_only", "source_urls", "confidence", "notes",
    "eligibility_zh",
)  # fmt: skip
# The terms of an offer: what changes them sends the programme to review.
TERM_FIELDS = ("category", "new_users_only", "ends_on")
BENEFIT_TERMS = ("tokens", "per_model", "percent", "months", "valid_days", "amount", "currency", "period")
# Catalog-format key -> Benefit field, where they differ (a plan's price is its amount).
COLUMNS = {"price": "amount"}


def _columns(benefit):
    """A catalog-format benefit's values under the Benefit model's field names."""
    return {COLUMNS.get(key, key): value for key, value in benefit.items()}


def _value(value):
    """A term compared by what it says: 20 and 20.0000 alike, empty and absent alike."""
    if value in ("", None, False):
        return None
    if isinstance(value, Decimal):
        return str(value.normalize())
    return value


def _benefit_terms(kind, values, models):
    return (kind, tuple((name, _value(values.get(name))) for name in BENEFIT_TERMS), tuple(sorted(models)))


def _terms(fields, benefits):
    return (tuple(fields.get(name) for name in TERM_FIELDS), sorted(map(repr, benefits)))


def _wanted(program):
    fields = {name: program.get(name) for name in PROGRAM_FIELDS}
    for name in ("eligibility", "eligibility_zh", "notes", "category", "name_zh"):
        fields[name] = fields[name] or ""
    benefits = [_benefit_terms(b["kind"], _columns(b), b.get("models", [])) for b in program["benefits"]]
    return fields, benefits


def _current(row):
    fields = {name: getattr(row, name) for name in PROGRAM_FIELDS}
    benefits = [
        _benefit_terms(
            b.kind, {name: getattr(b, name, None) for name in BENEFIT_TERMS}, [m.slug for m in b.models.all()]
        )
        for b in row.benefits.all()
    ]
    return fields, benefits


def _write_benefits(row, program, models):
    row.benefits.all().delete()
    for position, raw in enumerate(program["benefits"]):
        b = _columns(raw)
        values = {name: b[name] for name in BENEFIT_TERMS if b.get(name) is not None}
        benefit = Benefit.objects.create(program=row, position=position, kind=b["kind"],
                                         description=b.get("description") or "", **values)  # fmt: skip
        if b.get("models"):
            benefit.models.set([models[slug] for slug in b["models"]])


def apply_offers(provider, offers, origin, *, urls, on, result, known=None):
    """Apply one vendor source's offers (already locked provider row); counts go into `result`.
    known: the ids of the models the offers may cover (default: every model of the provider)."""
    models = {m.slug: m for m in Model.objects.filter(provider=provider) if known is None or m.pk in known}
    wanted, notes = programs(offers, origin, known_models={(provider.slug, slug) for slug in models}, on=on)
    result.notes += notes
    seen = set()
    for _provider, program in wanted:
        slug = program["slug"]
        seen.add(slug)
        fields, benefits = _wanted(program)
        row = MigrationProgram.objects.filter(slug=slug).prefetch_related("benefits__models").first()
        if row is not None and row.provider_id != provider.pk:
            result.notes.append(f"offer {slug}: a programme of another provider has this slug; left alone")
            continue
        if row is None:
            row = MigrationProgram.objects.create(slug=slug, provider=provider, is_published=False,
                                                  confirmed_on=on, checked_on=on, **fields)  # fmt: skip
            _write_benefits(row, program, models)
            result.pending += 1
            result.notes.append(f"new offer {slug} ({program['category']}): unpublished until reviewed")
            continue
        old_fields, old_benefits = _current(row)
        if _terms(old_fields, old_benefits) == _terms(fields, benefits):
            confirm_program(row, on)
            quiet = {name: fields[name] for name in ("notes", "source_urls", "name", "name_zh")}
            changed = [name for name, value in quiet.items() if getattr(row, name) != value]
            for name in changed:
                setattr(row, name, quiet[name])
            if row.checked_on != on:
                row.checked_on = on
                changed.append("checked_on")
            if changed:
                row.save(update_fields=[*changed, "updated_at"])
            result.unchanged += 1
            continue
        # Changed terms: the page's new terms, unpublished until reviewed.
        starts_on = row.starts_on  # the offer has run since it was first seen
        for name, value in fields.items():
            setattr(row, name, value)
        if starts_on is not None and (row.ends_on is None or starts_on <= row.ends_on):
            row.starts_on = starts_on
        row.confirmed_on, row.checked_on, row.is_published = on, on, False
        row.save()
        _write_benefits(row, program, models)
        result.pending += 1
        result.notes.append(
            f"changed offer {slug}: its terms differ from the catalog's; unpublished until reviewed"
        )
    for row in MigrationProgram.objects.filter(provider=provider, ends_on__isnull=True).exclude(
        slug__in=seen
    ):
        if not set(row.source_urls) & set(urls):
            continue  # not read from these pages (the press, curated files)
        last = row.confirmed_on or row.starts_on or on
        if end_program(row, last):
            result.changes += 1
            result.notes.append(f"ended {row.slug}: no longer on {', '.join(sorted(set(row.source_urls) & set(urls)))}"
                                f" (last seen {last.isoformat()})")  # fmt: skip
    return result
