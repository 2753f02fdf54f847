"""The catalog keys added for bands, modes, notes, tokenizers, offers and baselines
(catalog-format.md): each is stored, exported canonically and round-trips; bad values name their path."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from offers.catalog.io import CatalogError, dumps, export_document, import_catalog
from offers.models import Benefit, ExchangeRate, MigrationProgram, Model, ModelMapping, Price, Provider

SMALL = Path(__file__).parent / "data" / "small_catalog.json"

pytestmark = pytest.mark.django_db


def doc_with_new_keys():
    """small_catalog.json (openai: gpt-4o; zhipu: glm-4, glm-4-air) plus:
    - glm-4: a reply-length band pair (0-200 and 201+) and a thinking-mode output row, with a note;
    - glm-4: tokenizer "glm-4";
    - anthropic: a provider with claude-sonnet-4-5 and a mapping from it to glm-4 (fit larger);
    - zhipu: a new-accounts programme with a per-model quota and a plan."""
    doc = json.loads(SMALL.read_text())
    zhipu = doc["providers"][1]
    glm4 = zhipu["models"][0]
    glm4["tokenizer"] = "glm-4"
    base = {k: v for k, v in glm4["prices"][0].items() if k != "kind"}
    glm4["prices"] += [
        {**base, "kind": "output", "amount": "0.008", "tier_max_output_tokens": 200},
        {**base, "kind": "output", "amount": "0.014", "tier_min_output_tokens": 201},
        {
            **base,
            "kind": "output",
            "amount": "0.02",
            "mode": "thinking",
            "note": "list price 0.04, permanent 50% off",
        },
    ]
    zhipu["programs"].append(
        {
            "slug": "zhipu-new-accounts",
            "name": "New accounts",
            "announced_on": None,
            "starts_on": "2026-07-01",
            "ends_on": None,
            "confirmed_on": "2026-08-01",
            "category": "new_users",
            "audience": "anthropic",
            "eligibility": None,
            "openai_users_only": None,
            "new_users_only": True,
            "enterprise_only": None,
            "benefits": [
                {"kind": "free_tokens", "tokens": 1000000, "models": ["glm-4", "glm-4-air"], "valid_days": 90,
                 "per_model": True},
                {"kind": "plan", "price": "20", "currency": "CNY", "period": "month",
                 "description": "GLM Coding Plan Lite"},
            ],
            "source_urls": ["https://open.bigmodel.cn/pricing"],
            "confidence": "official",
            "notes": None,
        }
    )  # fmt: skip
    doc["providers"].append(
        {
            "slug": "anthropic",
            "name": "Anthropic",
            "models": [
                {"slug": "claude-sonnet-4-5", "name": "Claude Sonnet 4.5", "kind": "chat", "prices": []}
            ],
        }
    )
    doc["mappings"].append(
        {"from_provider": "anthropic", "from_model": "claude-sonnet-4-5", "provider": "zhipu",
         "model": "glm-4", "rank": 1, "note": "the nearest GLM", "fit": "larger"}
    )  # fmt: skip
    return doc


def test_new_keys_are_stored():
    import_catalog(json.dumps(doc_with_new_keys()))
    glm4 = Model.objects.get(slug="glm-4")
    assert glm4.tokenizer == "glm-4"
    out = {
        (p.tier_min_output_tokens, p.tier_max_output_tokens, p.mode): p
        for p in glm4.prices.filter(kind="output")
    }
    # "per" is 1000 in small_catalog.json: 0.008 x 1000 = 8, 0.014 x 1000 = 14, 0.02 x 1000 = 20 per 1M
    assert out[(None, 200, None)].amount == Decimal("8")
    assert out[(201, None, None)].amount == Decimal("14")
    assert out[(None, None, "thinking")].amount == Decimal("20")
    assert out[(None, None, "thinking")].note == "list price 0.04, permanent 50% off"
    program = MigrationProgram.objects.get(slug="zhipu-new-accounts")
    assert (program.category, program.audience) == ("new_users", "anthropic")
    quota, plan = program.benefits.order_by("position")
    assert quota.per_model is True
    assert quota.tokens == 1_000_000
    assert (plan.kind, plan.amount, plan.currency, plan.period) == ("plan", Decimal("20"), "CNY", "month")
    mapping = ModelMapping.objects.get(openai_model__provider__slug="anthropic")
    assert (mapping.openai_model.slug, mapping.model.slug, mapping.fit) == (
        "claude-sonnet-4-5",
        "glm-4",
        "larger",
    )
    assert ModelMapping.objects.get(openai_model__slug="gpt-4o").fit == "like_for_like"


def test_new_keys_round_trip_byte_for_byte():
    import_catalog(json.dumps(doc_with_new_keys()))
    first = dumps(export_document())
    exported = json.loads(first)
    glm4 = exported["providers"][2]["models"][0]
    assert glm4["tokenizer"] == "glm-4"
    assert list(glm4)[:9] == [
        "slug", "name", "kind", "context_window", "max_output_tokens", "capabilities", "released_on",
        "tokenizer", "deprecated_on",
    ]  # fmt: skip
    # OpenAI's mapping first, then the other baseline's, each with its fit.
    assert exported["mappings"] == [
        {"openai_model": "gpt-4o", "provider": "zhipu", "model": "glm-4", "rank": 1, "note": None,
         "fit": "like_for_like"},
        {"from_provider": "anthropic", "from_model": "claude-sonnet-4-5", "provider": "zhipu",
         "model": "glm-4", "rank": 1, "note": "the nearest GLM", "fit": "larger"},
    ]  # fmt: skip
    program = next(p for p in exported["providers"][2]["programs"] if p["slug"] == "zhipu-new-accounts")
    assert program["category"] == "new_users"
    assert program["audience"] == "anthropic"
    assert program["benefits"][0]["per_model"] is True
    assert program["benefits"][1] == {
        "kind": "plan", "price": "20", "currency": "CNY", "period": "month", "description": "GLM Coding Plan Lite",
    }  # fmt: skip
    for model in (Price, Benefit, ModelMapping, MigrationProgram, Model, ExchangeRate, Provider):
        model.objects.all().delete()
    import_catalog(first)
    assert dumps(export_document()) == first
    assert not import_catalog(first).changed


@pytest.mark.parametrize(
    ("where", "change", "expected"),
    [
        ("price", {"mode": "dreaming"}, "prices[0].mode: must be one of non_thinking, thinking"),
        (
            "price",
            {"tier_min_output_tokens": 300, "tier_max_output_tokens": 200},
            "prices[0].tier_max_output_tokens: must be >= tier_min_output_tokens",
        ),
        ("program", {"category": "gift"}, "programs[0].category: must be one of"),
        ("program", {"audience": "google"}, "programs[0].audience: must be one of anthropic, openai"),
        ("mapping", {"fit": "bigger"}, "mappings[0].fit: must be one of"),
        (
            "mapping",
            {"from_provider": "anthropic", "from_model": "claude-9"},
            "mappings[0].openai_model: give either",
        ),
    ],
)
def test_bad_new_keys_name_their_path_and_write_nothing(where, change, expected):
    doc = json.loads(SMALL.read_text())
    target = {
        "price": doc["providers"][1]["models"][0]["prices"][0],
        "program": doc["providers"][1]["programs"][0],
        "mapping": doc["mappings"][0],
    }[where]
    target.update(change)
    with pytest.raises(CatalogError) as exc:
        import_catalog(json.dumps(doc))
    assert any(expected in e for e in exc.value.errors), exc.value.errors
    assert not Provider.objects.exists()


def test_a_plan_needs_its_price_and_period():
    doc = json.loads(SMALL.read_text())
    doc["providers"][1]["programs"][0]["benefits"] = [{"kind": "plan", "currency": "CNY"}]
    with pytest.raises(CatalogError) as exc:
        import_catalog(json.dumps(doc))
    errors = "\n".join(exc.value.errors)
    assert "programs[0].benefits[0].price: " in errors
    assert "programs[0].benefits[0].period: " in errors


def test_a_mapping_from_an_unknown_baseline_model_is_refused():
    doc = json.loads(SMALL.read_text())
    doc["mappings"] = [
        {"from_provider": "anthropic", "from_model": "claude-9", "provider": "zhipu", "model": "glm-4"}
    ]
    with pytest.raises(CatalogError) as exc:
        import_catalog(json.dumps(doc))
    assert any(e.startswith("mappings[0].from_model: unknown model 'claude-9'") for e in exc.value.errors)


def test_a_tokenizer_outside_the_registry_is_an_error_at_its_path():
    doc = doc_with_new_keys()
    doc["providers"][1]["models"][0]["tokenizer"] = "glm-9"
    with pytest.raises(CatalogError) as exc:
        import_catalog(json.dumps(doc))
    assert any("models[0].tokenizer: must be a tokenizer in Banjia's registry" in e for e in exc.value.errors)
    assert not Provider.objects.exists()
