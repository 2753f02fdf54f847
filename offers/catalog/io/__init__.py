"""Read and write the catalog document `banjia.catalog/1` (see shared/catalog-format.md).

`parse_catalog` validates a whole document and returns plain records or every error with its JSON
path; `import_catalog` writes those records in one transaction (upserting on natural keys, so the
same document twice changes nothing); `export_catalog` writes the canonical document, so that
export -> import into an empty database -> export gives the same bytes.

Modules, in the order a document flows: document.py (read under limits, checked by JSON path),
validate.py (`parse_catalog`), records.py (the records and `CatalogError`), importer.py
(`import_catalog`), exporter.py (`export_document`, `dumps`). Their public names are importable
from `offers.catalog.io`.
"""

from offers.catalog.io.document import (
    AMOUNT_LIMIT,
    AMOUNT_PLACES,
    CURRENCY_RE,
    DATE_RE,
    MAX_DOCUMENT_BYTES,
    MAX_JSON_VALUES,
    MAX_NUMBER_CHARS,
    MODEL_ID_RE,
    PER_MILLION,
    PERK_KINDS,
    PROVIDER_TEXT,
    PROVIDER_URLS,
    SLUG_RE,
    TOKENIZER_RE,
    Checker,
    Counter,
    HugeNumber,
    TooManyValues,
    load_document,
    too_large_error,
    url_validator,
)
from offers.catalog.io.exporter import (
    dumps,
    export_document,
    export_mapping,
    export_model,
    export_program,
    fmt_decimal,
    mapping_sort_key,
)
from offers.catalog.io.importer import ImportResult, import_catalog, known_models
from offers.catalog.io.records import (
    FORMAT,
    MAX_ERRORS,
    BenefitRec,
    Catalog,
    CatalogError,
    MappingRec,
    ModelRec,
    PriceRec,
    ProgramRec,
    ProviderRec,
    RateRec,
)
from offers.catalog.io.validate import BENEFIT_COLUMNS, BENEFIT_FIELDS, parse_catalog

__all__ = [
    "AMOUNT_LIMIT",
    "AMOUNT_PLACES",
    "BENEFIT_COLUMNS",
    "BENEFIT_FIELDS",
    "BenefitRec",
    "CURRENCY_RE",
    "Catalog",
    "CatalogError",
    "Checker",
    "Counter",
    "DATE_RE",
    "FORMAT",
    "HugeNumber",
    "ImportResult",
    "MAX_DOCUMENT_BYTES",
    "MAX_ERRORS",
    "MAX_JSON_VALUES",
    "MAX_NUMBER_CHARS",
    "MODEL_ID_RE",
    "MappingRec",
    "ModelRec",
    "PERK_KINDS",
    "PER_MILLION",
    "PROVIDER_TEXT",
    "PROVIDER_URLS",
    "PriceRec",
    "ProgramRec",
    "ProviderRec",
    "RateRec",
    "SLUG_RE",
    "TOKENIZER_RE",
    "TooManyValues",
    "dumps",
    "export_document",
    "export_mapping",
    "export_model",
    "export_program",
    "fmt_decimal",
    "import_catalog",
    "known_models",
    "load_document",
    "mapping_sort_key",
    "parse_catalog",
    "too_large_error",
    "url_validator",
]
