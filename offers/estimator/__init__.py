"""The estimate engine: price a team's OpenAI usage at every vendor, month by month
(shared/DESIGN.md, "Estimator rules"). This package is its one door: everything a caller needs is
importable from `offers.estimator`.

The flow of one estimate, each step taking the previous one's output:

    request document (decoded JSON)
      -> `parse_request(data)` (request.py): types, ranges and limits checked; an `EstimateRequest`,
         or `EstimateError` with messages keyed by JSON path ("usage[0].output_tokens")
      -> `load_snapshot(request)` (snapshot.py): the part of the compiled catalog of the current
         version the request needs, selected in Python (the compiled catalog is built once per
         version and process in a fixed number of queries, 8 whatever the size of the catalog);
         no SQL beyond the version check
      -> `estimate(request, snapshot)` (engine.py): pure computation over the snapshot. Each line
         is priced by its plan (plans.py: rows chosen by prices.py and windows.py, converted by
         rates.py), each vendor's programmes are applied month by month (simulation.py), the
         vendors are ranked and the response document of the contract is written (money.py,
         detail.py, warnings.py). Catalog-dependent errors (unknown model, no OpenAI price, no
         rate into the output currency) raise `EstimateError` too.
      -> the response document (a dict of JSON values)

`run(data)` does the three steps in one call.

Layers inside the package, low to high: request, money, rows -> snapshot, rates, windows, prices
-> plans, simulation -> detail, warnings -> engine. No module imports a higher one.

Decisions the design leaves open, stated once here:

- One price per line for the whole horizon: prices are read as of `as_of`, rates too.
- Prompt length for tiers is ceil(input_tokens / requests): tier bounds count whole tokens, so a
  fractional average belongs to the tier holding the next whole token (32000.5 -> 32001). No tier
  holding it leaves the line unpriced. Without `requests`, the tier with the smallest minimum.
- A model listed in several currencies is priced in its "home" currency: the currency of most of
  its input rows (then alphabetical). Other kinds use rows in that currency where they exist,
  otherwise their own rows, converted.
- A cached_input row missing (or with no tier holding the prompt length) means the input price.
- "The order programmes and benefits are listed" is the catalog's: programmes by slug (the order
  of the catalog format and of `programs` in the response), benefits by position in the document.
- A programme with no starts_on has started, with no ends_on has not ended ("open ends").
- `perks` lists each perk kind once, sorted.
- Every benefit selects lines by alternative model, so lines sharing an alternative model share
  their uncovered fraction u; the simulation runs per model group, which keeps many lines fast.
- FX: direct rate on or before as_of, else inverse, else cross via USD (each leg direct or
  inverse on or before as_of); only then the earliest later rate (direct, inverse, cross), and the
  fx entry carries `"after_as_of": true`. A credit that cannot be converted is not counted (noted
  in the detail); a price that cannot be converted makes the vendor incomplete.
- Rule 4: the counterpart of an OpenAI model is `offers.catalog.counterparts` (the same function the pages
  use); an override names a model directly and is used whatever its dates.
- Rule 5: programmes are read once with their state on as_of (`MigrationProgram.status_on`);
  `programs_left_out` lists published programmes only (unpublished ones are omitted).
- Rule 6: a model's rows are chosen by region, then tier, then window (`select_rows`); "has any"
  means any row in force on as_of, of any kind. Window rows take their window's share of the
  tokens of the kinds they price (cached tokens fall back to the window's input row); the
  all-day rows price the rest. Windows of one model are expected not to overlap: a later window
  (by `window_key`) gets at most the share the earlier ones left. Hourly weights are exact (a
  JSON 0.1 is 1/10); minutes are counted one by one in the window's zone, so DST days and
  half-hour offsets come out exact.
- Warnings (`warnings`, additive): `fx_rate_far_from_as_of` for every rate used dated more than
  45 days before or after as_of; `stale_price` for every (provider, model) whose price rows used
  include one checked more than BANJIA_STALE_AFTER_DAYS days before as_of. For as_of = today
  that is the pages' "stale"; for a past as_of a price checked on or after as_of - N days is
  fresh, including a check made after as_of (a row in force on as_of and seen later was the
  price then); a future as_of is judged against that date too, so a long projection from a
  far date warns. Only prices that priced a line of the baseline or of a complete alternative
  count.
- savings_percent is null when the baseline total is 0. Ties in the ranking are on total_cost at
  the cent, then provider slug.
- Arithmetic is exact and never uses floats: prices, rates and benefits are read as Decimals; a
  line's cost is one Fraction (1/rate and c/E are not finite decimals) and `simulate` works in
  integers over common scales (see its docstring), so a result of exactly half a cent rounds up
  however it was reached; money is rounded half up (away from 0) to 2 places only when written. Token
  counts in `detail` and derived rates are written with at most 6 and 12 decimals.
"""

from offers.estimator.engine import estimate, run
from offers.estimator.money import cents, exact, money, number
from offers.estimator.plans import price_line
from offers.estimator.prices import Dimensions, PricedLine, Unpriced, choose_prices, select_rows
from offers.estimator.rates import Fx, fx_entry
from offers.estimator.request import (
    BASELINE,
    DEFAULT_MONTHS,
    MAX_DETAIL_LINES,
    MAX_ERRORS,
    MAX_ID_LENGTH,
    MAX_MONTHS,
    MAX_OVERRIDES,
    MAX_OVERRIDES_PER_LINE,
    MAX_PROVIDERS,
    MAX_TOKENS,
    MAX_USAGE_LINES,
    USD,
    EstimateError,
    EstimateRequest,
    UsageLine,
    parse_hourly_usage,
    parse_request,
)
from offers.estimator.rows import BENEFIT_FIELDS, PRICE_FIELDS, BenefitRow, ModelRef
from offers.estimator.simulation import simulate
from offers.estimator.snapshot import Snapshot, load_snapshot
from offers.estimator.windows import window_share

__all__ = [
    "BASELINE",
    "BENEFIT_FIELDS",
    "DEFAULT_MONTHS",
    "MAX_DETAIL_LINES",
    "MAX_ERRORS",
    "MAX_ID_LENGTH",
    "MAX_MONTHS",
    "MAX_OVERRIDES",
    "MAX_OVERRIDES_PER_LINE",
    "MAX_PROVIDERS",
    "MAX_TOKENS",
    "MAX_USAGE_LINES",
    "PRICE_FIELDS",
    "USD",
    "BenefitRow",
    "Dimensions",
    "EstimateError",
    "EstimateRequest",
    "Fx",
    "ModelRef",
    "PricedLine",
    "Snapshot",
    "Unpriced",
    "UsageLine",
    "cents",
    "choose_prices",
    "estimate",
    "exact",
    "fx_entry",
    "load_snapshot",
    "money",
    "number",
    "parse_hourly_usage",
    "parse_request",
    "price_line",
    "run",
    "select_rows",
    "simulate",
    "window_share",
]
