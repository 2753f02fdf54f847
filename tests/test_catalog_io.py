"""import_catalog / export_catalog and GET /api/v1/catalog against catalog-format.md."""

import copy
import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offers.catalog.io import CatalogError, dumps, export_document, fmt_decimal, import_catalog
from offers.models import Benefit, ExchangeRate, MigrationProgram, Model, ModelMapping, Price, Provider

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small_catalog.json"
SEED = Path(__file__).resolve().parent.parent / "data" / "catalog.json"

pytestmark = pytest.mark.django_db


def small_doc():
    return json.loads(SMALL.read_text())


def snapshot():
    """Every catalog row as plain values, to prove a failed import wrote nothing."""
    return {
        "providers": list(Provider.objects.values().order_by("pk")),
        "models": list(Model.objects.values().order_by("pk")),
        "prices": list(Price.objects.values().order_by("pk")),
        "programs": list(MigrationProgram.objects.values().order_by("pk")),
        "benefits": list(Benefit.objects.values().order_by("pk")),
        "mappings": list(ModelMapping.objects.values().order_by("pk")),
        "rates": list(ExchangeRate.objects.values().order_by("pk")),
    }


def run_import(path):
    out, err = StringIO(), StringIO()
    call_command("import_catalog", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_stores_per_million_amounts_and_relations():
    import_catalog(SMALL.read_bytes())
    gpt4o = Model.objects.get(provider__slug="openai", slug="gpt-4o")
    # "0.00001" USD per 1 token x 1,000,000 = 10 USD per 1M tokens
    assert gpt4o.prices.get(kind="output").amount == Decimal("10")
    # "0.1" CNY per 1000 tokens x 1000 = 100 CNY per 1M tokens
    assert Price.objects.get(model__slug="glm-4").amount == Decimal("100")
    # Two input rows: the 2024 one is history (closed), the other current.
    assert list(
        gpt4o.prices.filter(kind="input").order_by("valid_from").values_list("valid_to", flat=True)
    ) == [
        date(2024, 10, 1),
        None,
    ]
    program = MigrationProgram.objects.get(slug="zhipu-openai-migration-2024")
    kinds = [b.kind for b in program.benefits.all()]
    assert kinds == ["free_tokens", "free_tokens", "training", "discount", "credit"]
    assert [m.slug for m in program.benefits.get(position=1).models.all()] == ["glm-4-air"]
    assert ModelMapping.objects.get().model.slug == "glm-4"
    assert ExchangeRate.objects.get().rate == Decimal("7.2404")


def test_export_import_export_gives_identical_bytes():
    import_catalog(SMALL.read_bytes())
    first = dumps(export_document())
    for model in (ModelMapping, Benefit, MigrationProgram, Price, Model, Provider, ExchangeRate):
        model.objects.all().delete()
    import_catalog(first)
    assert dumps(export_document()) == first


def test_export_is_canonical():
    import_catalog(SMALL.read_bytes())
    doc = export_document()
    assert list(doc) == ["format", "providers", "mappings", "exchange_rates"]
    assert [p["slug"] for p in doc["providers"]] == ["openai", "zhipu"]
    price = doc["providers"][0]["models"][0]["prices"][0]
    assert list(price) == [
        "kind", "amount", "currency", "per", "tier_min_input_tokens", "tier_max_input_tokens",
        "valid_from", "valid_to", "source_url", "checked_on", "method", "confidence",
    ]  # fmt: skip
    # "2.50" was given; stored per 1M and written without trailing zeros.
    amounts = [p["amount"] for p in doc["providers"][0]["models"][0]["prices"]]
    assert amounts == ["5", "2.5", "10"]  # input 2024, input now, output
    zhipu = doc["providers"][1]
    assert zhipu["name_zh"] == "智谱"
    assert zhipu["website"] is None  # unknown stays null, never ""
    benefits = zhipu["programs"][0]["benefits"]
    assert benefits[0] == {"kind": "free_tokens", "tokens": 50000000, "models": ["glm-4"], "valid_days": None}
    assert benefits[2] == {"kind": "training"}
    assert benefits[3] == {"kind": "discount", "percent": "20", "months": 3, "models": []}
    assert benefits[4] == {
        "kind": "credit", "amount": "100", "currency": "CNY", "valid_days": 90, "description": "voucher",
    }  # fmt: skip


def test_importing_twice_changes_nothing():
    first = import_catalog(SMALL.read_bytes())
    assert first.changed
    before = snapshot()
    second = import_catalog(SMALL.read_bytes())
    assert not second.changed
    assert snapshot() == before


def test_reimport_updates_in_place_and_keeps_history():
    import_catalog(SMALL.read_bytes())
    doc = small_doc()
    doc["providers"][1]["models"][0]["prices"][0]["amount"] = "0.05"  # CNY per 1K -> 50 per 1M
    doc["providers"][1]["programs"][0]["benefits"].pop()  # drop the credit
    result = import_catalog(json.dumps(doc))
    assert result.updated == {"prices": 1, "benefit lists": 1}
    assert Price.objects.get(model__slug="glm-4").amount == Decimal("50")
    assert Benefit.objects.count() == 4


def test_fmt_decimal():
    assert fmt_decimal(Decimal("100.0000000000")) == "100"
    assert fmt_decimal(Decimal("2.5000")) == "2.5"
    assert fmt_decimal(Decimal("0E-10")) == "0"
    assert fmt_decimal(Decimal("0.0000001000")) == "0.0000001"


# --- invalid documents: every error with its path, nothing written ---------------------------


def mutate(fn):
    doc = small_doc()
    fn(doc)
    return doc


BROKEN = {
    "negative amount": (
        lambda d: d["providers"][0]["models"][0]["prices"][1].update(amount="-1"),
        "providers[0].models[0].prices[1].amount: must be a decimal >= 0",
    ),
    "amount not a number": (
        lambda d: d["providers"][0]["models"][0]["prices"][0].update(amount="five"),
        "providers[0].models[0].prices[0].amount: must be a decimal >= 0",
    ),
    "amount wrong type": (
        lambda d: d["providers"][0]["models"][0]["prices"][0].update(amount=[1]),
        "providers[0].models[0].prices[0].amount: must be a decimal >= 0",
    ),
    "tokens wrong type": (
        lambda d: d["providers"][1]["programs"][0]["benefits"][0].update(tokens="50M"),
        "providers[1].programs[0].benefits[0].tokens: must be an integer",
    ),
    "unknown model in benefit": (
        lambda d: d["providers"][1]["programs"][0]["benefits"][0].update(models=["glm-9"]),
        "providers[1].programs[0].benefits[0].models[0]: unknown model 'glm-9' of provider 'zhipu'",
    ),
    "unknown model in mapping": (
        lambda d: d["mappings"][0].update(model="glm-5"),
        "mappings[0].model: unknown model 'glm-5' of provider 'zhipu'",
    ),
    "mapping from a non-openai model": (
        lambda d: d["mappings"][0].update(openai_model="glm-4"),
        "mappings[0].openai_model: unknown model 'glm-4' of provider 'openai'",
    ),
    "duplicate provider slug": (
        lambda d: d["providers"].append(copy.deepcopy(d["providers"][1]) | {"models": [], "programs": []}),
        "providers[2].slug: duplicate provider slug 'zhipu' (also providers[1])",
    ),
    "duplicate model slug": (
        lambda d: d["providers"][1]["models"][1].update(slug="glm-4"),
        "providers[1].models[1].slug: duplicate model slug 'glm-4' (also providers[1].models[0])",
    ),
    "bad slug": (
        lambda d: d["providers"][1].update(slug="Zhipu AI"),
        "providers[1].slug: must match ^[a-z0-9-]+$",
    ),
    "valid_to before valid_from": (
        lambda d: d["providers"][0]["models"][0]["prices"][0].update(valid_to="2024-01-01"),
        "providers[0].models[0].prices[0].valid_to: must be after valid_from",
    ),
    "malformed date": (
        lambda d: d["providers"][0]["models"][0]["prices"][0].update(checked_on="19/07/2024"),
        "providers[0].models[0].prices[0].checked_on: must be a date YYYY-MM-DD",
    ),
    "impossible date": (
        lambda d: d["providers"][0]["models"][0]["prices"][0].update(valid_from="2024-02-30"),
        "providers[0].models[0].prices[0].valid_from: must be a real date YYYY-MM-DD",
    ),
    "missing source": (
        lambda d: d["providers"][0]["models"][0]["prices"][0].pop("source_url"),
        "providers[0].models[0].prices[0].source_url: is required",
    ),
    "two current prices in one slot": (
        lambda d: d["providers"][0]["models"][0]["prices"][0].update(valid_to=None),
        "providers[0].models[0].prices[1]: second current price for the same kind, tier, currency, "
        "service tier, region, time window, mode and reply-length band as providers[0].models[0].prices[0]",
    ),
    "wrong format": (lambda d: d.update(format="banjia.catalog/2"), 'format: must be "banjia.catalog/1"'),
    "providers not a list": (lambda d: d.update(providers={}), "providers: must be a list"),
    "currency lowercase": (
        lambda d: d["exchange_rates"][0].update(quote="cny"),
        "exchange_rates[0].quote: must match ^[A-Z]{3}$",
    ),
    "discount over 100": (
        lambda d: d["providers"][1]["programs"][0]["benefits"][3].update(percent="150"),
        "providers[1].programs[0].benefits[3].percent: must be at most 100",
    ),
    "benefit with a foreign field": (
        lambda d: d["providers"][1]["programs"][0]["benefits"][0].update(percent="10"),
        "providers[1].programs[0].benefits[0].percent: is not a field of a free_tokens benefit",
    ),
    "programme without sources": (
        lambda d: d["providers"][1]["programs"][0].update(source_urls=[]),
        "providers[1].programs[0].source_urls: must list at least one URL",
    ),
    # issue 10: `$` let a trailing newline through; "vendor\n" then broke URLs, "CNY\n" the database.
    "slug with a trailing newline": (
        lambda d: d["providers"][1].update(slug="zhipu\n"),
        "providers[1].slug: must match ^[a-z0-9-]+$",
    ),
    "programme slug with a trailing newline": (
        lambda d: d["providers"][1]["programs"][0].update(slug="zhipu-migration\n"),
        "providers[1].programs[0].slug: must match ^[a-z0-9-]+$",
    ),
    "model id with a trailing newline": (
        lambda d: d["providers"][1]["models"][1].update(slug="glm-4-air\n"),
        "providers[1].models[1].slug: must match ^\\S+$",
    ),
    "currency with a trailing newline": (
        lambda d: d["providers"][0]["models"][0]["prices"][0].update(currency="USD\n"),
        "providers[0].models[0].prices[0].currency: must match ^[A-Z]{3}$",
    ),
    "rate currency with a trailing newline": (
        lambda d: d["exchange_rates"][0].update(base="USD\n"),
        "exchange_rates[0].base: must match ^[A-Z]{3}$",
    ),
    "date with a trailing newline": (
        lambda d: d["providers"][0]["models"][0]["prices"][0].update(checked_on="2024-07-19\n"),
        "providers[0].models[0].prices[0].checked_on: must be a date YYYY-MM-DD",
    ),
    "empty string for unknown": (
        lambda d: d["providers"][1].update(website=""),
        "providers[1].website: must not be empty (use null for unknown)",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_document_is_rejected_with_its_path_and_nothing_written(case, tmp_path):
    import_catalog(SMALL.read_bytes())
    before = snapshot()
    fn, expected = BROKEN[case]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(mutate(fn)))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_catalog", str(path), stdout=StringIO(), stderr=err)
    assert expected in err.getvalue().splitlines()
    assert snapshot() == before


def test_every_error_is_listed_not_just_the_first():
    doc = small_doc()
    doc["providers"][0]["models"][0]["prices"][0]["amount"] = "-1"
    doc["providers"][1]["programs"][0]["benefits"][0]["models"] = ["nope"]
    doc["exchange_rates"][0]["rate"] = "0"
    with pytest.raises(CatalogError) as exc:
        import_catalog(json.dumps(doc))
    assert exc.value.errors == [
        "providers[0].models[0].prices[0].amount: must be a decimal >= 0",
        "providers[1].programs[0].benefits[0].models[0]: unknown model 'nope' of provider 'zhipu'",
        "exchange_rates[0].rate: must be a decimal > 0",
    ]


def test_conflict_with_an_existing_current_price_writes_nothing():
    import_catalog(SMALL.read_bytes())
    doc = small_doc()
    # The same slot, current, but from another date: two current prices would result.
    doc["providers"][1]["models"][0]["prices"][0]["valid_from"] = "2025-01-01"
    before = snapshot()
    with pytest.raises(CatalogError) as exc:
        import_catalog(json.dumps(doc))
    assert exc.value.errors[0].startswith(
        "providers[1].models[0].prices[0].valid_from: the catalog already has"
    )
    assert snapshot() == before


def test_a_document_that_closes_a_price_and_opens_the_next_imports():
    import_catalog(SMALL.read_bytes())
    doc = small_doc()
    glm4 = doc["providers"][1]["models"][0]["prices"]
    glm4[0]["valid_to"] = "2025-01-01"  # close the 100 CNY row...
    glm4.append({**glm4[0], "amount": "0.05", "valid_from": "2025-01-01", "valid_to": None})  # ...open 50
    result = import_catalog(json.dumps(doc))
    assert result.updated == {"prices": 1}
    assert result.created == {"prices": 1}
    rows = Price.objects.filter(model__slug="glm-4").order_by("valid_from")
    # 0.1 and 0.05 CNY per 1K tokens = 100 and 50 CNY per 1M
    assert [(r.amount, r.valid_to) for r in rows] == [
        (Decimal("100"), date(2025, 1, 1)),
        (Decimal("50"), None),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "$: not valid JSON: Expecting value at line 1 column 1"),
        (b'{"format": ', "$: not valid JSON: Expecting value at line 1 column 12"),
        (b"\xff\xfe junk", "$: not UTF-8 text (byte 0)"),
        (b"[1, 2]", "$: must be an object with format, providers, mappings, exchange_rates"),
        (b"[" * 100_000, "$: not valid JSON: nested too deeply"),
    ],
)
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [message]


def test_fifty_megabytes_of_junk(tmp_path):
    path = tmp_path / "junk.json"
    path.write_bytes(b"\x00junk" * (10 * 1024 * 1024))  # 5 bytes x 10 Mi = 50 MiB
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(path), stdout=StringIO(), stderr=err)
    # over the 16 MiB cap: refused on its size before JSON is even tried
    assert err.getvalue().splitlines() == ["$: document is larger than 16777216 bytes"]
    assert Provider.objects.count() == 0


def test_missing_file():
    with pytest.raises(CommandError, match="cannot read /nonexistent.json"):
        call_command("import_catalog", "/nonexistent.json")


def test_dry_run_writes_nothing():
    out = StringIO()
    call_command("import_catalog", str(SMALL), "--dry-run", stdout=out)
    assert out.getvalue().startswith("Dry run, nothing written: created")
    assert Provider.objects.count() == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    junk=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.floats(allow_nan=False),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=12,
    ),
    where=st.sampled_from(["provider", "model", "price", "program", "benefit", "mapping", "rate"]),
    data=st.data(),
)
def test_arbitrary_values_anywhere_are_errors_not_crashes(junk, where, data):
    doc = small_doc()
    target = {
        "provider": doc["providers"][1],
        "model": doc["providers"][1]["models"][0],
        "price": doc["providers"][0]["models"][0]["prices"][0],
        "program": doc["providers"][1]["programs"][0],
        "benefit": doc["providers"][1]["programs"][0]["benefits"][0],
        "mapping": doc["mappings"][0],
        "rate": doc["exchange_rates"][0],
    }[where]
    key = data.draw(st.sampled_from(sorted(target)))
    target[key] = junk
    errors = []
    try:
        import_catalog(json.dumps(doc, default=str))
    except CatalogError as exc:  # anything else (TypeError, IntegrityError...) fails the test
        errors = exc.errors
    assert all(": " in e for e in errors)


def test_api_serves_the_export_document(client):
    import_catalog(SMALL.read_bytes())
    response = client.get("/api/v1/catalog")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == dumps(export_document())
    assert client.post("/api/v1/catalog").status_code == 405


def test_unpublished_providers_stay_out_of_the_public_export():
    import_catalog(SMALL.read_bytes())
    Provider.objects.filter(slug="zhipu").update(is_published=False)
    doc = export_document()
    assert [p["slug"] for p in doc["providers"]] == ["openai"]
    assert doc["mappings"] == []  # the mapping points at zhipu
    full = export_document(include_unpublished=True)
    assert [p["slug"] for p in full["providers"]] == ["openai", "zhipu"]


def test_export_command_writes_a_file(tmp_path):
    import_catalog(SMALL.read_bytes())
    target = tmp_path / "out.json"
    call_command("export_catalog", str(target), stderr=StringIO())
    assert target.read_bytes() == dumps(export_document())


@pytest.mark.skipif(not SEED.exists(), reason="the seed catalog is not written yet")
def test_seed_catalog_round_trips():
    result = import_catalog(SEED.read_bytes())
    assert result.changed
    exported = dumps(export_document())
    assert not import_catalog(exported).changed
    for model in (ModelMapping, Benefit, MigrationProgram, Price, Model, Provider, ExchangeRate):
        model.objects.all().delete()
    import_catalog(exported)
    assert dumps(export_document()) == exported


def test_a_minimal_document_with_every_optional_key_absent():
    doc = {
        "format": "banjia.catalog/1",
        "providers": [
            {
                "slug": "openai",
                "name": "OpenAI",
                "models": [
                    {
                        "slug": "gpt-4o-mini",
                        "name": "GPT-4o mini",
                        "prices": [
                            {
                                "kind": "input",
                                "amount": "0.15",
                                "currency": "USD",
                                "valid_from": "2024-07-18",
                                "source_url": "https://example.com/p",
                                "checked_on": "2024-07-19",
                            }
                        ],
                    }
                ],
            },
            {
                "slug": "tencent",
                "name": "Tencent Cloud",
                "programs": [
                    {
                        "slug": "t",
                        "name": "Free tokens",
                        "benefits": [{"kind": "free_tokens", "tokens": 100000000}],
                        "source_urls": ["https://example.com/n"],
                    }
                ],
            },
        ],
    }
    import_catalog(json.dumps(doc))
    exported = export_document()
    price = exported["providers"][0]["models"][0]["prices"][0]
    # Defaults of catalog-format.md: per 1M, manual, official; unknowns null.
    assert (price["per"], price["method"], price["confidence"]) == (1000000, "manual", "official")
    assert (price["tier_min_input_tokens"], price["valid_to"]) == (None, None)
    model = exported["providers"][0]["models"][0]
    assert (model["kind"], model["context_window"], model["capabilities"]) == ("chat", None, [])
    program = exported["providers"][1]["programs"][0]
    assert program["benefits"] == [
        {"kind": "free_tokens", "tokens": 100000000, "models": [], "valid_days": None}
    ]
    assert (program["ends_on"], program["openai_users_only"], program["confidence"]) == (
        None,
        None,
        "reported",
    )
    assert exported["mappings"] == [] and exported["exchange_rates"] == []  # noqa: PT018
    assert not import_catalog(dumps(exported)).changed


def test_programme_chinese_notes_and_eligibility_are_optional_keys():
    doc = small_doc()
    program = next(p for prov in doc["providers"] for p in prov.get("programs", []))
    program["notes_zh"] = "只限新用户。"
    program["eligibility_zh"] = "OpenAI API 用户"
    import_catalog(dumps(doc))
    stored = MigrationProgram.objects.get(slug=program["slug"])
    assert (stored.notes_zh, stored.eligibility_zh) == ("只限新用户。", "OpenAI API 用户")
    exported = next(
        p
        for prov in export_document()["providers"]
        for p in prov.get("programs", [])
        if p["slug"] == stored.slug
    )
    assert exported["notes_zh"] == "只限新用户。"
    assert exported["eligibility_zh"] == "OpenAI API 用户"
    # absent when empty: a catalog without them exports as before
    MigrationProgram.objects.update(notes_zh="", eligibility_zh="")
    assert all(
        "notes_zh" not in p and "eligibility_zh" not in p
        for prov in export_document()["providers"]
        for p in prov.get("programs", [])
    )


# --- pricing dimensions and programme confirmation (catalog-format.md) --------------------------

OFF_PEAK = {"start": "16:30", "end": "00:30", "tz": "UTC", "days": None}


def dimensions_doc():
    """small_catalog.json plus a batch row, an intl row and an off-peak window row on glm-4, and
    a confirmed programme: each a slot of its own beside the standard, home, all-day price."""
    doc = small_doc()
    glm4 = doc["providers"][1]["models"][0]
    base = dict(glm4["prices"][0])
    glm4["prices"] += [
        {**base, "amount": "0.05", "service_tier": "batch"},
        {**base, "amount": "0.02", "currency": "USD", "region": "intl"},
        {**base, "amount": "0.05", "time_window": {"tz": "UTC", "end": "00:30", "start": "16:30"}},
    ]
    doc["providers"][1]["programs"][0]["confirmed_on"] = "2024-07-10"
    return doc


def test_pricing_dimensions_and_confirmation_round_trip():
    import_catalog(json.dumps(dimensions_doc()))
    glm4 = Model.objects.get(slug="glm-4")
    rows = {(p.service_tier, p.region, bool(p.time_window)): p for p in glm4.prices.all()}
    # per 1000 tokens -> per 1M: 0.05 x 1000 = 50 (batch and window), 0.02 x 1000 = 20 (intl)
    assert rows[("batch", None, False)].amount == Decimal("50")
    assert rows[("standard", "intl", False)].amount == Decimal("20")
    # the window is stored in its canonical form: "days" present (null = every day)
    assert rows[("standard", None, True)].time_window == OFF_PEAK
    assert rows[("standard", None, False)].amount == Decimal("100")
    assert MigrationProgram.objects.get().confirmed_on == date(2024, 7, 10)

    first = dumps(export_document())
    exported = json.loads(first)
    prices = exported["providers"][1]["models"][0]["prices"]
    # canonical order: kind, service tier, region, window; defaults left out
    assert [(p.get("service_tier"), p.get("region"), p.get("time_window")) for p in prices] == [
        ("batch", None, None),
        (None, None, None),
        (None, None, OFF_PEAK),
        (None, "intl", None),
    ]
    assert exported["providers"][1]["programs"][0]["confirmed_on"] == "2024-07-10"
    # import into an empty database, export again: the same bytes
    for model in (Price, Benefit, ModelMapping, MigrationProgram, Model, ExchangeRate, Provider):
        model.objects.all().delete()
    import_catalog(first)
    assert dumps(export_document()) == first
    # and importing it a second time changes nothing
    assert not import_catalog(first).changed


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"service_tier": "cheap"}, "service_tier: must be one of batch, flex, priority, standard"),
        ({"region": "eu"}, "region: must be one of cn, intl"),
        ({"time_window": {"start": "24:00", "end": "08:00", "tz": "UTC"}}, "start must be a time HH:MM"),
        ({"time_window": {"start": "08:00", "end": "08:00", "tz": "UTC"}}, "start and end must differ"),
        ({"time_window": {"start": "00:30", "end": "08:30", "tz": "Mars/Base"}}, "tz must be an IANA"),
        (
            {"time_window": {"start": "00:30", "end": "08:30", "tz": "UTC", "days": ["mon", "mon"]}},
            "days must not repeat",
        ),
        (
            {"time_window": {"start": "00:30", "end": "08:30", "tz": "UTC", "days": ["monday"]}},
            "days must be a non-empty list",
        ),
        ({"time_window": "night"}, "must be an object"),
    ],
)
def test_bad_pricing_dimensions_name_their_path(change, expected):
    doc = small_doc()
    doc["providers"][1]["models"][0]["prices"][0].update(change)
    with pytest.raises(CatalogError) as exc:
        import_catalog(json.dumps(doc))
    key = next(iter(change))
    assert any(
        e.startswith(f"providers[1].models[0].prices[0].{key}: ") and expected in e for e in exc.value.errors
    ), exc.value.errors
    assert not Price.objects.exists()


# --- issue 10: numbers that crashed the importer, and documents that cost too much ----------------


def import_text(text, tmp_path):
    """Run the command on raw JSON text; (stderr lines, CommandError message)."""
    path = tmp_path / "doc.json"
    path.write_text(text)
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_catalog", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue().splitlines(), str(raised.value)


def with_raw(replace, per_on=1):
    """The small catalog as text with placeholders replaced by raw JSON (numbers Python's json
    module cannot write): CONTEXT (a context window), AMOUNT (price 0's amount) and PER (the `per`
    of price `per_on`)."""
    doc = small_doc()
    doc["providers"][0]["models"][0]["context_window"] = "__CONTEXT__"
    doc["providers"][0]["models"][0]["prices"][0]["amount"] = "__AMOUNT__"
    doc["providers"][0]["models"][0]["prices"][per_on]["per"] = "__PER__"
    text = json.dumps(doc)
    for key, raw in {"CONTEXT": "128000", "AMOUNT": '"2.5"', "PER": "1000000", **replace}.items():
        text = text.replace(f'"__{key}__"', raw)
    return text


PRICE = "providers[0].models[0].prices"


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        # 5,000 digits: Python's int() refuses more than 4,300 (a ValueError inside json.loads)
        ({"CONTEXT": "9" * 5000}, "providers[0].models[0].context_window: is too large"),
        ({"AMOUNT": "9" * 5000}, f"{PRICE}[0].amount: must be a decimal >= 0 of at most 40 characters"),
        (
            {"AMOUNT": "1." + "0" * 5000},
            f"{PRICE}[0].amount: must be a decimal >= 0 of at most 40 characters",
        ),
        (
            {"AMOUNT": '"' + "9" * 5000 + '"'},
            f"{PRICE}[0].amount: must be a decimal >= 0 of at most 40 characters",
        ),
        # Decimal Overflow: 1e999999 x 1,000,000 is beyond the context's Emax
        ({"AMOUNT": "1e999999", "PER": "1000"}, f"{PRICE}[0].amount: is out of range"),
        ({"AMOUNT": '"1E+999999999"'}, f"{PRICE}[0].amount: is out of range"),
        # InvalidOperation: quantizing 1e30 x 1e6 to 10 places needs more than 28 digits
        ({"AMOUNT": "1e30", "PER": "1"}, f"{PRICE}[0].amount: is too large"),
        ({"PER": "9" * 5000}, f"{PRICE}[1].per: is too large"),
    ],
)
def test_huge_and_overflowing_numbers_are_reported_with_their_path(replace, expected, tmp_path):
    # an amount with a per: both on price 0
    lines, message = import_text(with_raw(replace, per_on=0 if "AMOUNT" in replace else 1), tmp_path)
    assert lines == [expected]
    assert message.endswith("1 error(s); nothing was imported.")
    assert Provider.objects.count() == 0


def test_errors_are_capped_at_the_first_hundred_then_counted(tmp_path):
    doc = {"format": "banjia.catalog/1", "providers": [{}] * 1000}
    lines, message = import_text(json.dumps(doc), tmp_path)
    # each {} lacks slug and name: 1,000 x 2 = 2,000 errors; 100 are listed, 1,900 counted
    assert len(lines) == 101
    assert lines[:2] == ["providers[0].slug: is required", "providers[0].name: is required"]
    assert lines[99] == "providers[49].name: is required"
    assert lines[100] == "... and 1900 more errors"
    assert message.endswith("2000 error(s); nothing was imported.")


def test_fifty_megabytes_of_empty_objects_are_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    body = b'{"format": "banjia.catalog/1", "providers": [' + b"{}," * (50 * 1024 * 1024 // 3) + b"{}]}"
    path.write_bytes(body)
    assert len(body) > 50 * 1024 * 1024
    read = []
    real_open = open

    def spy_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if str(file) == str(path):
            original = handle.read
            handle.read = lambda n=-1: read.append(n) or original(n)
        return handle

    monkeypatch.setattr("builtins.open", spy_open)
    err = StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_catalog", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == ["$: document is larger than 16777216 bytes"]
    assert read == []  # refused on its size, not read


def test_standard_input_is_read_up_to_the_cap_only(monkeypatch):
    import io
    import sys

    from offers.catalog.io import document as catalog_io

    monkeypatch.setattr(catalog_io, "MAX_DOCUMENT_BYTES", 1000)
    stream = io.BytesIO(b"[" + b"{}," * 10_000 + b"{}]")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", "-", stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == ["$: document is larger than 1000 bytes"]
    assert stream.tell() == 1001  # cap + 1 bytes, not the 30,002


def test_a_document_under_the_size_cap_stops_parsing_at_the_value_cap(tmp_path):
    import time
    import tracemalloc

    from offers.catalog.io import document as catalog_io

    # 15 MiB of {} (5.2 million objects) is under the 16 MiB cap; parsing stops at 500,000 objects.
    text = '{"format": "banjia.catalog/1", "providers": [' + "{}," * (15 * 1024 * 1024 // 3) + "{}]}"
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(CatalogError) as raised:
            catalog_io.load_document(text.encode())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert raised.value.errors == [
        "$: more than 500000 objects and numbers; not a catalog this program can import"
    ]
    # bytes (15 MiB) + text (15 MiB) + 500,000 empty dicts (64 bytes each, 32 MB) and a list of them,
    # about 70 MB; the whole document as dicts would be over 400 MB
    assert peak < 150 * 1024 * 1024, peak
    assert time.monotonic() - started < 60
