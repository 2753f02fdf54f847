"""The catalog rows the estimator reads, as small values shared by every request: model
references, price rows (tuples) and benefit rows, with what the simulation needs of a benefit
prepared once per catalog version (`prepare_benefit`)."""

from collections import namedtuple
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from offers.estimator.money import exact
from offers.models import Benefit

DAYS_PER_MONTH = 30
PERK_KINDS = frozenset(str(k) for k in Benefit.PERKS)
# The kinds as plain strings, for the simulation's hot loop (enum member lookups are slower).
KIND_FREE, KIND_MATCHED, KIND_CREDIT, KIND_DISCOUNT = (
    str(k.value)
    for k in (
        Benefit.Kind.FREE_TOKENS,
        Benefit.Kind.MATCHED_TOKENS,
        Benefit.Kind.CREDIT,
        Benefit.Kind.DISCOUNT,
    )
)

PRICE_FIELDS = (
    "id", "model_id", "kind", "amount", "currency", "tier_min_input_tokens", "tier_max_input_tokens",
    "source_url", "checked_on", "confidence", "service_tier", "region", "time_window", "valid_from",
    "valid_to", "tier_min_output_tokens", "tier_max_output_tokens", "mode", "note",
)  # fmt: skip
PriceRow = namedtuple("PriceRow", PRICE_FIELDS)
BENEFIT_FIELDS = (
    "id", "program_id", "kind", "tokens", "ratio", "percent", "months", "amount", "currency", "valid_days",
    "description", "per_model",
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
    per_model: bool = False  # free_tokens: T tokens for each model separately (rule 5)
    models: list = field(default_factory=list)  # ModelRef; empty = every line
    # What the simulation needs of it, worked out once per catalog version when the compiled
    # catalog is built (offers.estimator.simulation.prepare_benefit); None: worked out per use.
    prepared: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Prepared:
    """What `simulate` needs of one benefit row, the same for every request: worked out once per
    catalog version (offers.estimator.snapshot calls `prepare_benefit` when it builds the compiled catalog)."""

    kind: str  # the kind as a plain string (a perk's kind too)
    perk: bool
    models: frozenset | None  # the model ids it covers, None = every line
    ratio: Fraction | None  # matched tokens: tokens granted per OpenAI token
    amount: Fraction | None  # a credit, in its own currency (converted per request and currency)
    cut: tuple  # a discount's percent / 100 as (numerator, denominator)
    last_month: int | None  # the last month (1-based) it can act in by valid_days; None: no limit


def prepare_benefit(b):
    """The `Prepared` form of a BenefitRow (after its models are known)."""
    kind = str(b.kind)
    days = b.valid_days
    return Prepared(
        kind=kind,
        perk=kind in PERK_KINDS,
        models=frozenset(m.pk for m in b.models) or None,
        ratio=exact(b.ratio) if kind == KIND_MATCHED else None,
        amount=exact(b.amount) if kind == KIND_CREDIT and b.amount is not None else None,
        cut=_cut(b.percent) if kind == KIND_DISCOUNT else (0, 1),
        last_month=None if days is None else -(-days // DAYS_PER_MONTH),
    )


@lru_cache(maxsize=256)
def _cut(percent):
    """A discount's percent / 100 as (numerator, denominator), reduced."""
    cut = exact(percent) / 100
    return cut.numerator, cut.denominator
