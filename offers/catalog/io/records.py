"""The validated catalog document as plain records, independent of the database, and
`CatalogError` (every problem with its JSON path)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from offers.models import (
    dimensions_key,
)

FORMAT = "banjia.catalog/1"
# At most MAX_ERRORS errors are kept; the rest are counted ("... and K more errors").
MAX_ERRORS = 100


class CatalogError(Exception):
    """The document is not a valid catalog; `errors` lists "path: message" strings (the first
    MAX_ERRORS, then one "... and K more errors" line); `total` counts them all."""

    def __init__(self, errors, total=None):
        self.total = len(errors) if total is None else total
        if len(errors) > MAX_ERRORS:
            errors = errors[:MAX_ERRORS]
        if self.total > len(errors):
            errors = [*errors, f"... and {self.total - len(errors)} more errors"]
        self.errors = errors
        super().__init__(f"{self.total} error(s) in the catalog")


# --- records: the validated document, independent of the database ----------------------------


@dataclass
class PriceRec:
    kind: str
    amount: Decimal
    currency: str
    tier_min: int | None
    tier_max: int | None
    valid_from: date
    valid_to: date | None
    source_url: str
    checked_on: date
    method: str
    confidence: str
    path: str = ""
    service_tier: str = "standard"
    region: str | None = None
    time_window: dict | None = None
    tier_min_output_tokens: int | None = None
    tier_max_output_tokens: int | None = None
    mode: str | None = None
    note: str = ""

    @property
    def dimensions(self):
        return dimensions_key(self)

    @property
    def key(self):
        return (
            self.kind, self.currency, self.tier_min, self.tier_max, self.valid_from, *self.dimensions
        )  # fmt: skip

    @property
    def slot(self):
        return (self.kind, self.currency, self.tier_min or 0, self.tier_max, *self.dimensions)


@dataclass
class ModelRec:
    slug: str
    fields: dict
    prices: list = field(default_factory=list)


@dataclass
class BenefitRec:
    kind: str
    fields: dict
    models: list


@dataclass
class ProgramRec:
    slug: str
    fields: dict
    benefits: list


@dataclass
class ProviderRec:
    slug: str
    fields: dict
    models: list = field(default_factory=list)
    programs: list = field(default_factory=list)


@dataclass
class MappingRec:
    openai_model: str  # the replaced model, of provider `from_provider`
    provider: str
    model: str
    rank: int
    note: str
    fit: str = "like_for_like"
    from_provider: str = "openai"


@dataclass
class RateRec:
    base: str
    quote: str
    rate: Decimal
    date: date
    source_url: str


@dataclass
class Catalog:
    providers: list
    mappings: list
    rates: list
