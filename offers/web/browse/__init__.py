"""Read-side services for the browse pages, one module per page: the display currency
(currency.py), current prices (prices.py), the offer board (offer_board.py), the model table
(table.py), a vendor's page with its migration snippet (vendor.py), a model's page with its price
history (history.py), compare (comparison.py) and the recent changes feed (feed.py). Their views
and forms are views.py and forms.py; the names they use are importable from here.

Every function here runs a fixed number of queries whatever the catalog size: lists are
paginated in the database, related rows are fetched in one batch per relation, and exchange
rates are read once per request into a `Converter`.
"""

from offers.catalog.fx import PIVOT, Converter, Rate
from offers.web.browse.comparison import (
    CompareColumn,
    CompareLine,
    Comparison,
    compare,
    compare_search,
    parse_model_keys,
    variant_lines,
)
from offers.web.browse.currency import (
    CURRENCY_COOKIE,
    DEFAULT_CURRENCY,
    DISPLAY_CURRENCIES,
    Money,
    pick_currency,
    rates_behind,
    stale_after_days,
)
from offers.web.browse.feed import FeedItem, recent_changes
from offers.web.browse.history import CHART_COLOURS, Chart, ModelPage, Series, model_page, price_chart
from offers.web.browse.offer_board import (
    OFFER_SORTS,
    FreeTokenValue,
    ProgramCard,
    ProgramState,
    free_token_value,
    offer_board,
    program_card,
    program_state,
    vendor_choices,
)
from offers.web.browse.prices import (
    KIND_ORDER,
    MILLION,
    TIER_ORDER,
    ZONE_WORDS,
    ModelPrices,
    PriceRow,
    band_label,
    current_price_subquery,
    current_prices,
    is_headline,
    mode_label,
    price_terms,
    window_label,
)
from offers.web.browse.table import (
    COMPARE_MAX,
    MODEL_SORTS,
    MODELS_PER_PAGE,
    CompareTray,
    ModelRow,
    ModelTable,
    compare_tray,
    model_queryset,
    model_table,
)
from offers.web.browse.vendor import Snippet, VendorPage, key_variable, migration_snippet, vendor_page

__all__ = [
    "CHART_COLOURS",
    "COMPARE_MAX",
    "CURRENCY_COOKIE",
    "Chart",
    "CompareColumn",
    "CompareLine",
    "CompareTray",
    "Comparison",
    "Converter",
    "DEFAULT_CURRENCY",
    "DISPLAY_CURRENCIES",
    "FeedItem",
    "FreeTokenValue",
    "KIND_ORDER",
    "MILLION",
    "MODELS_PER_PAGE",
    "MODEL_SORTS",
    "ModelPage",
    "ModelPrices",
    "ModelRow",
    "ModelTable",
    "Money",
    "OFFER_SORTS",
    "PIVOT",
    "PriceRow",
    "ProgramCard",
    "ProgramState",
    "Rate",
    "Series",
    "Snippet",
    "TIER_ORDER",
    "VendorPage",
    "ZONE_WORDS",
    "compare",
    "compare_search",
    "compare_tray",
    "current_price_subquery",
    "current_prices",
    "free_token_value",
    "is_headline",
    "band_label",
    "mode_label",
    "key_variable",
    "migration_snippet",
    "model_page",
    "model_queryset",
    "model_table",
    "offer_board",
    "parse_model_keys",
    "pick_currency",
    "price_chart",
    "price_terms",
    "program_card",
    "program_state",
    "rates_behind",
    "recent_changes",
    "stale_after_days",
    "variant_lines",
    "vendor_choices",
    "vendor_page",
    "window_label",
]
