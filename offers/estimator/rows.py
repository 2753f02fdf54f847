"""The catalog rows the estimator reads, as small values shared by every request: model
references, price rows (tuples) and benefit rows."""

from collections import namedtuple
from dataclasses import dataclass, field
from decimal import Decimal

PRICE_FIELDS = (
    "id", "model_id", "kind", "amount", "currency", "tier_min_input_tokens", "tier_max_input_tokens",
    "source_url", "checked_on", "confidence", "service_tier", "region", "time_window", "valid_from",
    "valid_to", "tier_min_output_tokens", "tier_max_output_tokens", "mode", "note",
)  # fmt: skip
PriceRow = namedtuple("PriceRow", PRICE_FIELDS)
BENEFIT_FIELDS = (
    "id", "program_id", "kind", "tokens", "ratio", "percent", "months", "amount", "currency", "valid_days",
    "description",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ModelRef:
    pk: int
    slug: str
    name: str
    kind: str = "chat"
    tokenizer: str = ""  # rule 9: a registry name, "" when none is published


@dataclass(slots=True)
class BenefitRow:
    id: int
    program_id: int
    kind: str
    tokens: int | None
    ratio: Decimal | None
    percent: Decimal | None
    months: int | None
    amount: Decimal | None
    currency: str
    valid_days: int | None
    description: str
    models: list = field(default_factory=list)  # ModelRef; empty = every line
