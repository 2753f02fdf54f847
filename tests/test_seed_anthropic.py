"""The seed builder's Anthropic parts: prices the page gives only as a rule (derived rows) and the
mappings from Claude models. Values worked out by hand from data/curated/anthropic.json's rules."""

import json
from datetime import date
from decimal import Decimal as D

from offers.catalog import seed

CURATED = seed.CURATED_DIR


def _row(kind, amount, tier="standard", lo=None):
    return seed._Row(
        kind=kind,
        amount=D(amount),
        currency="USD",
        tier_min_input_tokens=lo,
        tier_max_input_tokens=None,
        valid_from=date(2025, 9, 29),
        valid_to=None,
        source_url="https://docs.claude.com/en/docs/about-claude/pricing",
        checked_on=date(2025, 11, 25),
        method="scraped",
        confidence="official",
        service_tier=tier,
    )


def test_derived_rows_of_a_long_context_model():
    spec = json.loads((CURATED / "anthropic.json").read_text())["derived_prices"]
    # Sonnet 4.5 as recorded: 3 / 0.3 / 3.75 / 6 / 15, long context 6 / 22.5, batch 1.5 / 7.5
    rows = [
        _row("input", "3"), _row("cached_input", "0.3"), _row("cache_write_5m", "3.75"),
        _row("cache_write_1h", "6"), _row("output", "15"),
        _row("input", "6", lo=200001), _row("output", "22.5", lo=200001),
        _row("input", "1.5", "batch"), _row("output", "7.5", "batch"),
    ]  # fmt: skip
    out = seed.derived_rows(spec, rows, {"service_tier": "standard", "region": None, "time_window": None})
    derived = {(r.kind, r.service_tier, r.tier_min_input_tokens): r.amount for r in out[len(rows) :]}
    assert derived == {
        # long context, standard: cache read 0.1 x 6 = 0.6; 5m write 1.25 x 6 = 7.5; 1h write 2 x 6 = 12
        ("cached_input", "standard", 200001): D("0.6"),
        ("cache_write_5m", "standard", 200001): D("7.5"),
        ("cache_write_1h", "standard", 200001): D("12"),
        # long context, batch: 0.5 x 6 = 3 and 0.5 x 22.5 = 11.25
        ("input", "batch", 200001): D("3"),
        ("output", "batch", 200001): D("11.25"),
        # batch caching: 0.5 x 0.3 = 0.15, 0.5 x 3.75 = 1.875, 0.5 x 6 = 3 (up to 200K) and
        # 0.5 x 0.6 = 0.3, 0.5 x 7.5 = 3.75, 0.5 x 12 = 6 (above 200K, from the derived rows)
        ("cached_input", "batch", None): D("0.15"),
        ("cache_write_5m", "batch", None): D("1.875"),
        ("cache_write_1h", "batch", None): D("3"),
        ("cached_input", "batch", 200001): D("0.3"),
        ("cache_write_5m", "batch", 200001): D("3.75"),
        ("cache_write_1h", "batch", 200001): D("6"),
    }
    assert {r.confidence for r in out[len(rows) :]} == {"derived"}
    assert all(r.note for r in out[len(rows) :])
    # a recorded row is never replaced
    assert out[: len(rows)] == rows


def test_derived_rows_without_long_context():
    spec = json.loads((CURATED / "anthropic.json").read_text())["derived_prices"]
    rows = [
        _row("input", "1"),
        _row("cached_input", "0.1"),
        _row("output", "5"),
        _row("input", "0.5", "batch"),
    ]
    out = seed.derived_rows(spec, rows, {"service_tier": "standard", "region": None, "time_window": None})
    # in rule order: the 1h write 2 x 1 = 2; batch output 0.5 x 5 = 2.5 (batch input is given); no
    # long context; batch cache read 0.5 x 0.1 = 0.05 and batch 1h write 0.5 x 2 = 1 (no 5m write to read)
    assert [(r.kind, r.service_tier, r.amount) for r in out[len(rows) :]] == [
        ("cache_write_1h", "standard", D("2")),
        ("output", "batch", D("2.5")),
        ("cached_input", "batch", D("0.05")),
        ("cache_write_1h", "batch", D("1")),
    ]


def test_baseline_mappings_from_claude_models():
    spec = json.loads((CURATED / "mappings.json").read_text())
    maps = seed.expand_baseline_mappings(spec)
    by = {}
    for m in maps:
        by.setdefault((m["from_model"], m["provider"]), []).append(m)
    # every Claude model reaches every vendor of mappings.json, and OpenAI
    claude = spec["from_providers"]["anthropic"]["classes"]
    vendors = set(spec["vendors"]) | {"openai"}
    assert {(f, p) for f, p in by} == {(f, p) for f in claude for p in vendors}
    # Sonnet 4.5 -> Zhipu's flagship ladder, in order, ranked from 1
    zhipu = by[("claude-sonnet-4-5", "zhipu")]
    assert [m["model"] for m in zhipu] == [s["model"] for s in spec["vendors"]["zhipu"]["flagship"]]
    assert [m["rank"] for m in zhipu] == list(range(1, len(zhipu) + 1))
    assert {m["fit"] for m in zhipu} == {"like_for_like"}
    # Haiku -> Moonshot: its small ladder is its flagship ladder, so the fit is "larger"
    assert {m["fit"] for m in by[("claude-haiku-4-5", "moonshot")]} == {"larger"}
    # Haiku -> OpenAI's small ladder, gpt-5.4-mini first
    assert by[("claude-haiku-4-5", "openai")][0]["model"] == "gpt-5.4-mini"
    assert all(m["from_provider"] == "anthropic" and m["note"] for m in maps)


SEED = seed.CURATED_DIR.parent / "catalog.json"


def _seed():
    return json.loads(SEED.read_text())


def _available(model, on):
    released, retired = model["released_on"], model["deprecated_on"]
    return (released is None or date.fromisoformat(released) <= on) and (
        retired is None or date.fromisoformat(retired) > on
    )


def _counterpart(doc, from_model, provider, on):
    """Rule 4 on the document, for a Claude model: the best-ranked mapping available on `on`."""
    models = {(p["slug"], m["slug"]): m for p in doc["providers"] for m in p["models"]}
    ladder = sorted(
        (m for m in doc["mappings"] if m.get("from_model") == from_model and m["provider"] == provider),
        key=lambda m: m["rank"],
    )
    return next((m["model"] for m in ladder if _available(models[(provider, m["model"])], on)), None)


def test_claude_counterparts_today_and_after_the_restriction():
    doc = _seed()
    restriction, today = date(2025, 9, 10), date(2026, 12, 6)
    # (from the release dates in the seed) 2025-09-10: GLM-4.7 (2025-12-22) and later not out yet,
    # so Zhipu falls to glm-4-plus for Sonnet and glm-4.5-air (2025-07-25) for Haiku; DeepSeek
    # V4 came 2026-04-24, so deepseek-chat (retired 2026-07-24, so not today); OpenAI: gpt-5
    # (2025-08-01) then, gpt-5.5 (2026-04-23) now.
    expected = {
        ("claude-sonnet-4-5", "zhipu"): ("glm-4-plus", "glm-5.3"),
        ("claude-haiku-4-5", "zhipu"): ("glm-4.5-air", "glm-4.7-flashx"),
        ("claude-sonnet-4-5", "deepseek"): ("deepseek-chat", "deepseek-v4-pro"),
        ("claude-haiku-4-5", "deepseek"): ("deepseek-chat", "deepseek-v4-flash"),
        ("claude-opus-4-5", "openai"): ("gpt-5", "gpt-5.5"),
        ("claude-haiku-4-5", "openai"): ("gpt-5-mini", "gpt-5.4-mini"),
        ("claude-opus-4-1", "alibaba"): ("qwen-max", "qwen3.8-max"),
    }
    for (claude, provider), (then, now) in expected.items():
        assert _counterpart(doc, claude, provider, restriction) == then, (claude, provider)
        assert _counterpart(doc, claude, provider, today) == now, (claude, provider)
    # every Claude model has a counterpart at every vendor on both days
    claude_models = {m["from_model"] for m in doc["mappings"] if m.get("from_provider") == "anthropic"}
    vendors = {m["provider"] for m in doc["mappings"] if m.get("from_provider") == "anthropic"}
    for on in (restriction, today):
        missing = [(c, v) for c in claude_models for v in vendors if _counterpart(doc, c, v, on) is None]
        assert missing == [], on


def test_claude_in_the_seed():
    doc = _seed()
    anthropic = next(p for p in doc["providers"] if p["slug"] == "anthropic")
    models = {m["slug"]: m for m in anthropic["models"]}
    # release dates: models.dev anthropic/<id> release_date; retirements: Anthropic's deprecation page
    assert models["claude-sonnet-4-5"]["released_on"] == "2025-09-29"
    assert models["claude-3-opus-20240229"]["deprecated_on"] == "2026-01-05"
    assert models["claude-3-7-sonnet-20250219"]["deprecated_on"] == "2026-02-19"

    def price(slug, kind, tier="standard", lo=None):
        return {
            (r["amount"], r["confidence"])
            for r in models[slug]["prices"]
            if r["kind"] == kind
            and r.get("service_tier", "standard") == tier
            and r["tier_min_input_tokens"] == lo
        }

    # the page: Sonnet 4.5 $3 input, $3.75 5m write, $6 1h write, $0.30 hit, $15 output; > 200K $6 / $22.50
    assert price("claude-sonnet-4-5", "cache_write_5m") == {("3.75", "official")}
    assert price("claude-sonnet-4-5", "output", lo=200001) == {("22.5", "official")}
    # derived by rule: 1h write above 200K = 2 x 6 = 12; batch cache hit = 0.5 x 0.30 = 0.15
    assert price("claude-sonnet-4-5", "cache_write_1h", lo=200001) == {("12", "derived")}
    assert price("claude-sonnet-4-5", "cached_input", "batch") == {("0.15", "derived")}
    # a model without long context has no tier above 200K
    assert price("claude-opus-4-5", "input", lo=200001) == set()
    # prices hold from the model's release (the rule of the seed builder), checked on the recording's day
    rows = models["claude-opus-4-5"]["prices"]
    assert {(r["valid_from"], r["checked_on"]) for r in rows} == {("2025-11-24", "2025-11-25")}


def test_claude_models_after_the_recording_are_reported():
    models = {m["slug"]: m for p in _seed()["providers"] if p["slug"] == "anthropic" for m in p["models"]}
    # genai-prices (checked 2026-08-21): Opus 4.6 5 / 0.50 hit / 6.25 5m write / 25; its long-context
    # tier (10 / 37.50 from 200K input tokens) until 2026-03-13, flat from then
    rows = models["claude-opus-4-6"]["prices"]
    current = {(r["kind"], r.get("service_tier", "standard")): (r["amount"], r["confidence"])
               for r in rows if r["valid_to"] is None}  # fmt: skip
    assert current[("input", "standard")] == ("5", "reported")
    assert current[("cache_write_1h", "standard")] == ("10", "derived")  # 2 x 5, the page's rule
    assert current[("output", "batch")] == ("12.5", "derived")  # 0.5 x 25, the page's rule
    long_ = [r for r in rows if r["tier_min_input_tokens"] == 200001]
    assert {(r["kind"], r["amount"], r["valid_to"]) for r in long_} == {
        ("input", "10", "2026-03-13"), ("cached_input", "1", "2026-03-13"),
        ("cache_write_5m", "12.5", "2026-03-13"), ("output", "37.5", "2026-03-13"),
    }  # fmt: skip
    assert models["claude-opus-4-8"]["released_on"] == "2026-05-28"
