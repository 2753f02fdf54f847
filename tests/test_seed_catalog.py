"""The seed catalog data/catalog.json: complete, sourced, and true to shared/research."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import F

from offers.catalog.io import import_catalog
from offers.models import MigrationProgram, Model, ModelMapping, Price, Provider

SEED = Path(__file__).resolve().parent.parent / "data" / "catalog.json"
CURATED = SEED.parent / "curated"
VENDORS = {
    "zhipu", "baidu", "alibaba", "tencent", "moonshot", "deepseek", "volcengine", "minimax",
    "sensetime", "baichuan", "01ai", "iflytek", "stepfun",
}  # fmt: skip


@pytest.fixture
def seed(db):
    import_catalog(SEED.read_bytes())


def test_providers(seed):
    assert set(Provider.objects.values_list("slug", flat=True)) == VENDORS | {"openai", "anthropic"}
    # Base URLs from research/migration_facts.md, "OpenAI-compatible base URLs".
    assert Provider.objects.get(slug="zhipu").api_base_url == "https://open.bigmodel.cn/api/paas/v4/"
    assert Provider.objects.get(slug="moonshot").api_base_url == "https://api.moonshot.cn/v1"
    assert (
        Provider.objects.get(slug="alibaba").api_base_url
        == "https://dashscope.aliyuncs.com/compatible-mode/v1"
    )


def test_openai_models_from_35_turbo_to_gpt5_and_embeddings(seed):
    slugs = set(Model.objects.filter(provider__slug="openai").values_list("slug", flat=True))
    assert {"gpt-3.5-turbo", "gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3", "gpt-5", "gpt-5-mini"} <= slugs
    assert {"text-embedding-3-small", "text-embedding-3-large"} <= slugs


def test_capabilities_from_the_feed_come_through_the_import(seed):
    # models.dev openai/gpt-4o: image input, tool_call, structured_output; not a reasoning model
    assert Model.objects.get(provider__slug="openai", slug="gpt-4o").capabilities == [
        "vision",
        "tools",
        "json",
    ]
    assert "reasoning" in Model.objects.get(provider__slug="openai", slug="o3").capabilities


def test_openai_gpt4o_history(seed):
    # research: mid-2024 gpt-4o 5/15 USD per 1M, later 2.5/10 (the 2024-08-06 price).
    rows = Price.objects.headline().filter(model__provider__slug="openai", model__slug="gpt-4o", kind="input")
    assert [(r.amount, r.valid_to is None) for r in rows.order_by("valid_from")] == [
        (Decimal("5"), False),
        (Decimal("2.5"), True),
    ]
    on_block_day = (
        Price.objects.current(on=date(2024, 7, 9)).headline().get(model__slug="gpt-4o", kind="output")
    )
    assert on_block_day.amount == Decimal("15")


def test_mid_2024_vendor_prices(seed):
    # research: GLM-4 100/100 CNY per 1M in July 2024; ERNIE-4.0-8K 120/120.
    july = date(2024, 7, 19)
    glm4 = Price.objects.current(on=july).filter(model__provider__slug="zhipu", model__slug="glm-4")
    assert {(p.kind, p.amount, p.currency) for p in glm4} >= {
        ("input", Decimal("100"), "CNY"),
        ("output", Decimal("100"), "CNY"),
    }
    ernie = Price.objects.current(on=july).filter(model__provider__slug="baidu", model__slug="ernie-4.0-8k")
    assert {(p.kind, p.amount) for p in ernie} >= {("input", Decimal("120")), ("output", Decimal("120"))}


def test_every_price_and_programme_is_sourced_and_dated(seed):
    assert not Price.objects.filter(source_url="").exists()
    # Checked dates are real reading dates: never after the research was gathered (2026-11-24),
    # never before the price they check came into force.
    assert not Price.objects.filter(checked_on__gt=date(2026, 11, 24)).exists()
    assert not Price.objects.filter(checked_on__lt=F("valid_from")).exists()
    assert Price.objects.count() > 200
    for program in MigrationProgram.objects.all():
        assert program.source_urls, program.slug
        assert program.checked_on is not None, program.slug
    # Vendors price in their own currency: CNY for the Chinese vendors' own pages, USD on their
    # international ones (Z.ai).
    zhipu = Price.objects.filter(model__provider__slug="zhipu")
    assert set(zhipu.filter(region__isnull=True).values_list("currency", flat=True)) == {"CNY"}
    assert set(zhipu.filter(region="intl").values_list("currency", flat=True)) == {"USD"}


def test_july_2024_programmes(seed):
    zhipu = MigrationProgram.objects.get(provider__slug="zhipu")
    # research: 150M tokens = 50M GLM-4 + 100M GLM-4-Air, plus training and consulting.
    tokens = {
        tuple(b.models.values_list("slug", flat=True)): b.tokens
        for b in zhipu.benefits.filter(kind="free_tokens")
    }
    assert tokens == {("glm-4",): 50_000_000, ("glm-4-air",): 100_000_000}
    assert {"training", "consulting"} <= set(zhipu.benefits.values_list("kind", flat=True))
    tencent = MigrationProgram.objects.get(provider__slug="tencent")
    assert tencent.ends_on == date(2024, 7, 31)  # "until end of July 2024"
    assert tencent.benefits.get(kind="free_tokens").tokens == 100_000_000
    alibaba = MigrationProgram.objects.get(provider__slug="alibaba")
    assert alibaba.benefits.get(kind="free_tokens").tokens == 22_000_000
    providers = set(MigrationProgram.objects.values_list("provider__slug", flat=True))
    assert {"zhipu", "baidu", "alibaba", "tencent", "sensetime", "baichuan", "01ai"} <= providers


def test_every_openai_chat_model_maps_to_every_vendor(seed):
    chat = Model.objects.filter(provider__slug="openai", kind="chat")
    for model in chat:
        mapped = set(
            ModelMapping.objects.filter(openai_model=model, rank=1).values_list("provider__slug", flat=True)
        )
        assert mapped == VENDORS, model.slug
    wrong = [m for m in ModelMapping.objects.select_related("model") if m.model.provider_id != m.provider_id]
    assert wrong == []


def test_usd_cny_rates_from_mid_2024(seed):
    from offers.models import ExchangeRate

    rates = {r.date: r.rate for r in ExchangeRate.objects.filter(base="USD", quote="CNY")}
    assert min(rates) <= date(2024, 12, 31)
    # ECB 2025-05-09: CNY 8.1470 per EUR / USD 1.1252 per EUR = 7.24049... CNY per USD
    assert rates[date(2025, 5, 9)].quantize(Decimal("0.0001")) == Decimal("7.2405")


def test_only_models_the_sources_call_free_cost_zero():
    # research: ERNIE Speed and Lite free since 21 May 2024, hunyuan-lite and Spark Lite since
    # 22 May 2024; Zhipu's pricing page (recorded 2026-07-20) lists GLM-4-Flash, GLM-4.7-Flash and
    # GLM-Z1-Flash at 0. Nothing else is 0.
    free = {"ernie-lite-128k", "ernie-lite-8k", "ernie-speed-128k", "ernie-speed-8k", "lite", "hunyuan-lite",
            "glm-4-flash", "glm-4.7-flash", "glm-z1-flash"}  # fmt: skip
    doc = json.loads(SEED.read_text())
    zero = {
        model["slug"]
        for provider in doc["providers"]
        for model in provider["models"]
        for price in model["prices"]
        if Decimal(price["amount"]) == 0
    }
    assert zero == free


def test_model_counts_per_vendor():
    # Recorded vendors: the models their recording prices after the curated exclusions (see
    # tests/test_build_seed.py) plus the older models only the curated files hold (2024 models
    # for the fallbacks): openai 37 + 0; deepseek 2 + deepseek-chat; zhipu 22 (with
    # glm-4-flashx-250414) + glm-3-turbo, glm-5.3; moonshot 2 + moonshot-v1-8k/32k/128k; alibaba 41 + 0; volcengine 14 + 4
    # doubao 2024 models; tencent 4 + 5 hunyuan models; minimax 3 + abab6.5(s)-chat.
    # Vendors without a recording keep the research's models.
    doc = json.loads(SEED.read_text())
    counts = {p["slug"]: len(p["models"]) for p in doc["providers"]}
    assert counts == {
        "openai": 37, "deepseek": 3, "zhipu": 24, "moonshot": 5, "alibaba": 41, "volcengine": 18,
        "tencent": 9, "minimax": 5, "baidu": 8, "baichuan": 6, "01ai": 7, "iflytek": 2, "sensetime": 4,
        "stepfun": 5, "anthropic": 14,
    }  # fmt: skip
    current = {(p["slug"], m["slug"]) for p in doc["providers"] for m in p["models"]}
    # current models of the recordings the issue names
    assert {("zhipu", "glm-5.1"), ("zhipu", "glm-4.5-air"), ("alibaba", "qwen3.7-max"), ("alibaba", "qwen3.5-plus"),
            ("volcengine", "doubao-seed-1.6"), ("volcengine", "doubao-seed-1.8"), ("volcengine", "doubao-seed-2.1-pro"),
            ("tencent", "hy3-preview"), ("minimax", "minimax-m2.7-highspeed")} <= current  # fmt: skip


def test_every_chat_model_has_a_release_date_or_a_stated_reason():
    doc = json.loads(SEED.read_text())
    undated = {(p["slug"], m["slug"]) for p in doc["providers"] for m in p["models"]
               if m["kind"] == "chat" and m["released_on"] is None}  # fmt: skip
    reasons, sources = {}, {}
    for path in CURATED.glob("*.json"):
        cur = json.loads(path.read_text())
        for m in cur.get("models", []):
            key = (cur.get("provider", {}).get("slug"), m["slug"])
            reasons[key] = m.get("released_reason")
            sources[key] = m.get("released_source")
    assert undated == {("sensetime", "sensechat-5")}
    assert all(reasons[key] for key in undated)
    # and every date says where it comes from
    dated = {(p["slug"], m["slug"]) for p in doc["providers"] for m in p["models"] if m["released_on"]}
    assert all(sources[key] for key in dated)


def _available(model, on):
    released, deprecated = model["released_on"], model["deprecated_on"]
    return (released is None or date.fromisoformat(released) <= on) and (
        deprecated is None or date.fromisoformat(deprecated) > on
    )


def _counterpart(doc, openai_model, provider, on):
    """Estimator rule 4 worked on the document: the best-ranked mapping available on `on`."""
    models = {(p["slug"], m["slug"]): m for p in doc["providers"] for m in p["models"]}
    ladder = sorted(
        (m for m in doc["mappings"] if m.get("openai_model") == openai_model and m["provider"] == provider),
        key=lambda m: m["rank"],
    )
    for m in ladder:
        if _available(models[(provider, m["model"])], on):
            return m["model"]
    return None


def _price_on(doc, provider, slug, kind, on):
    model = next(
        m for p in doc["providers"] if p["slug"] == provider for m in p["models"] if m["slug"] == slug
    )
    return {
        r["amount"]
        for r in model["prices"]
        if r["kind"] == kind and r["tier_min_input_tokens"] is None and "service_tier" not in r
        and r.get("region") is None
        and date.fromisoformat(r["valid_from"]) <= on and (r["valid_to"] is None or on < date.fromisoformat(r["valid_to"]))
    }  # fmt: skip


def test_mappings_fall_back_to_the_2024_models():
    doc = json.loads(SEED.read_text())
    july, today = date(2024, 7, 10), date(2026, 11, 30)
    expected = {
        ("gpt-4o", "zhipu"): ("glm-4", "glm-5.3"),
        ("gpt-4o-mini", "zhipu"): ("glm-4-air", "glm-4.7-flashx"),
        ("gpt-4o", "alibaba"): ("qwen-max", "qwen3.8-max"),
        ("gpt-4o-mini", "alibaba"): ("qwen-plus", "qwen3.7-flash"),
        ("gpt-4o", "moonshot"): ("moonshot-v1-8k", "kimi-k2.6"),
        ("gpt-4o", "volcengine"): ("doubao-pro-32k", "doubao-seed-2.1-pro"),
        ("gpt-4o-mini", "volcengine"): ("doubao-lite-32k", "doubao-seed-2.0-lite"),
        ("gpt-4o", "deepseek"): ("deepseek-chat", "deepseek-v4-pro"),
        ("gpt-4o", "baidu"): ("ernie-4.0-8k", "ernie-5.0"),
    }
    for (openai_model, provider), (then, now) in expected.items():
        assert _counterpart(doc, openai_model, provider, july) == then, (openai_model, provider)
        assert _counterpart(doc, openai_model, provider, today) == now, (openai_model, provider)
    # the July-2024 counterparts of the programmes' models have a price on that day:
    # GLM-4 100/100 (research, mid-2024); GLM-4-Air 1/1 and Qwen-Plus 0.8/2 are derived rows
    # (the earliest prices found, 2024-12, assumed back to the 2024-06-25 offers; see curated notes).
    assert _price_on(doc, "zhipu", "glm-4", "input", july) == {"100"}
    assert _price_on(doc, "zhipu", "glm-4-air", "output", july) == {"1"}
    assert _price_on(doc, "alibaba", "qwen-plus", "output", july) == {"2"}


def _fits():
    from offers.catalog.seed import expand_mappings

    spec = json.loads((CURATED / "mappings.json").read_text())
    return {(m["openai_model"], m["provider"], m["model"]): m["fit"] for m in expand_mappings(spec)}


def test_rank_one_is_current_and_lower_ranks_are_older():
    doc = json.loads(SEED.read_text())
    models = {(p["slug"], m["slug"]): m for p in doc["providers"] for m in p["models"]}
    ladders = {}
    for m in doc["mappings"]:
        if "openai_model" in m:  # the Claude models' ladders: tests/test_seed_anthropic.py
            ladders.setdefault((m["openai_model"], m["provider"]), []).append(m)
    for (openai_model, provider), ladder in ladders.items():
        ladder.sort(key=lambda m: m["rank"])
        assert [m["rank"] for m in ladder] == list(range(1, len(ladder) + 1))
        assert all(m["note"] for m in ladder), (openai_model, provider)
        first = models[(provider, ladder[0]["model"])]
        assert first["deprecated_on"] is None, (openai_model, provider)
        dates = [models[(provider, m["model"])]["released_on"] for m in ladder]
        assert dates[0] is not None, (openai_model, provider)
        # like-for-like models come first (issue 16, offers.catalog.mapping_checks); among them a lower rank
        # never has a later release date than the rank above it (the others are ordered by fit)
        fits = _fits()
        known = [d for m, d in zip(ladder, dates, strict=True)
                 if d is not None and fits[(openai_model, provider, m["model"])] == "like_for_like"]  # fmt: skip
        assert known == sorted(known, reverse=True), (openai_model, provider, dates)
        kinds = {models[(provider, m["model"])]["kind"] for m in ladder}
        assert kinds == {models[("openai", openai_model)]["kind"]}, (openai_model, provider)


def test_programmes_are_confirmed_in_july_2024_only():
    # research/migration_facts.json: the latest dated source of each July-2024 programme. Rule 5:
    # with no ends_on a programme applies until confirmed_on + 90 days.
    doc = json.loads(SEED.read_text())
    programs = {pr["slug"]: pr for p in doc["providers"] for pr in p["programs"]}
    assert programs["zhipu-openai-migration-2024"]["confirmed_on"] == "2024-07-03"  # The Batch
    assert programs["alibaba-openai-migration-2024"]["confirmed_on"] == "2024-07-03"
    assert programs["baidu-qianfan-inclusive-2024"]["confirmed_on"] == "2024-07-08"
    for pr in programs.values():
        assert pr["confirmed_on"] is not None, pr["slug"]
        # 2024-07-03 + 90 days = 2024-10-01: all lapsed long before 2026-11-30
        assert date.fromisoformat(pr["confirmed_on"]) < date(2024, 8, 1), pr["slug"]
    zhipu = programs["zhipu-openai-migration-2024"]
    assert {tuple(b["models"]) for b in zhipu["benefits"] if b["kind"] == "free_tokens"} == {
        ("glm-4",),
        ("glm-4-air",),
    }


def test_price_rows_of_a_slot_never_overlap_and_start_after_release():
    doc = json.loads(SEED.read_text())
    for p in doc["providers"]:
        for m in p["models"]:
            slots = {}
            for r in m["prices"]:
                key = (r["kind"], r["currency"], r["tier_min_input_tokens"], r["tier_max_input_tokens"],
                       r.get("service_tier"), r.get("region"), json.dumps(r.get("time_window")),
                       r.get("tier_min_output_tokens"), r.get("tier_max_output_tokens"), r.get("mode"))  # fmt: skip
                slots.setdefault(key, []).append(r)
                if m["released_on"]:
                    assert r["valid_from"] >= m["released_on"], (p["slug"], m["slug"])
            for rows in slots.values():
                rows.sort(key=lambda r: r["valid_from"])
                for a, b in zip(rows, rows[1:], strict=False):
                    assert a["valid_to"] is not None, (p["slug"], m["slug"])
                    assert a["valid_to"] <= b["valid_from"], (p["slug"], m["slug"])


def test_iflytek_ultra_is_marked_derived():
    # shared/pages/extracts/iflytek_spark_body.txt: "Ultra模型 0.8 元/百万tokens" - one undated price
    # per 1M tokens; storing it for input and output of 4.0Ultra is an inference, so "derived".
    doc = json.loads(SEED.read_text())
    iflytek = next(p for p in doc["providers"] if p["slug"] == "iflytek")
    ultra = next(m for m in iflytek["models"] if m["slug"] == "4.0ultra")
    assert {(r["kind"], r["amount"], r["confidence"]) for r in ultra["prices"]} == {
        ("input", "0.8", "derived"),
        ("output", "0.8", "derived"),
    }


def test_a_flagship_standing_in_for_a_small_model_is_marked_larger():
    # A small, nano or small-reasoning OpenAI model whose rank-1 counterpart is one of the vendor's
    # flagships (a model on its gpt-4o ladder) has fit "larger" in mappings.json (issue 16: the
    # page's flags come from the fit). Today: Moonshot (all three classes), Tencent and MiniMax
    # (small reasoning), iFlytek (small).
    from offers.catalog.seed import expand_mappings

    spec = json.loads((CURATED / "mappings.json").read_text())
    classes = spec["openai_classes"]
    mappings = expand_mappings(spec)
    flagships = {
        (m["provider"], m["model"])
        for m in mappings
        if m["openai_model"] == "gpt-4o" and m["fit"] == "like_for_like"
    }
    flagged = set()
    for m in mappings:
        if m["rank"] != 1 or classes[m["openai_model"]] not in ("small", "nano", "reasoning-small"):
            continue
        if (m["provider"], m["model"]) in flagships:
            assert m["fit"] != "like_for_like", (m["openai_model"], m["provider"], m["model"])
            flagged.add((m["provider"], classes[m["openai_model"]]))
    # Moonshot (all three classes); iFlytek's 4.0Ultra and Tencent's Hy3 / MiniMax's M2.7 for the
    # small reasoning class
    assert flagged == {(v, c) for v in ("moonshot",) for c in ("small", "nano", "reasoning-small")} | {
        ("tencent", "reasoning-small"),
        ("minimax", "reasoning-small"),
        ("iflytek", "reasoning-small"),
    }
    gpt4o_mini = next(
        m for m in mappings if (m["openai_model"], m["provider"], m["rank"]) == ("gpt-4o-mini", "moonshot", 1)
    )
    assert (gpt4o_mini["model"], gpt4o_mini["fit"]) == ("kimi-k2.6", "larger")
