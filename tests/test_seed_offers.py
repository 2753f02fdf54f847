"""The seed's programmes against ../shared/research/offers-2026.md and migration_facts.md: today's
offers read from the recordings (confirmed on each recording's day, SOURCES.md), the 2025 wave
for Claude users (reported, with its sources) and the 2024 programmes (audience "openai")."""

import json
from pathlib import Path

import pytest
from django.conf import settings

SEED = Path(settings.BASE_DIR) / "data" / "catalog.json"  # test_build_seed: what build_seed builds


@pytest.fixture(scope="module")
def programs():
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    return {p["slug"]: p for provider in doc["providers"] for p in provider["programs"]}


def test_alibaba_free_quota_per_model(programs):
    p = programs["alibaba-new-user-free-quota"]
    # offers-2026.md: 100万 (1,000,000) tokens per model, 90 days from activation, Beijing only;
    # the page recorded 2026-08-10 (SOURCES.md).
    assert (p["category"], p.get("audience"), p["new_users_only"], p["confirmed_on"], p["confidence"]) == (
        "new_users", None, True, "2026-08-10", "official")  # fmt: skip
    million = next(b for b in p["benefits"] if b["tokens"] == 1_000_000)
    assert (million["kind"], million["per_model"], million["valid_days"]) == ("free_tokens", True, 90)
    # The models gpt-4o and gpt-4o-mini map to today (mappings.json): qwen3.8-max, qwen3.7-flash.
    assert {"qwen3.8-max", "qwen3.7-max", "qwen3.7-flash", "qwen-plus"} <= set(million["models"])
    assert p["source_urls"] == ["https://help.aliyun.com/zh/model-studio/model-pricing"]


def test_alibaba_limited_discounts(programs):
    # "原价2元 限时8折" on qwen3.7-plus (20% off), "限时5折" on qwen3.7-max (50% off); no end date.
    plus, top = (
        programs["alibaba-limited-discount-qwen3-7-plus"],
        programs["alibaba-limited-discount-qwen3-7-max"],
    )
    assert [(b["kind"], b["percent"], b["models"]) for b in plus["benefits"]] == [
        ("discount", "20", ["qwen3.7-plus"])
    ]
    assert [(b["kind"], b["percent"], b["models"]) for b in top["benefits"]] == [
        ("discount", "50", ["qwen3.7-max"])
    ]
    assert (plus["category"], plus["ends_on"], plus["starts_on"]) == ("promotion", None, "2026-08-10")


def test_zhipu_pack_and_claude_plan(programs):
    pack = programs["zhipu-new-user-pack"]
    # "新用户注册专享 2000万 免费Tokens资源包" on the page recorded 2026-07-20: 20,000,000 tokens, any model.
    assert [(b["kind"], b["tokens"], b["models"]) for b in pack["benefits"]] == [
        ("free_tokens", 20_000_000, [])
    ]
    assert (pack["confirmed_on"], pack["new_users_only"], pack["category"]) == (
        "2026-07-20",
        True,
        "new_users",
    )
    claude = programs["zhipu-claude-migration-2025"]
    # Tom's Hardware / Notebookcheck / IT之家: 20 million free tokens; reported, no primary source.
    assert (claude["audience"], claude["category"], claude["confidence"]) == (
        "anthropic",
        "migration",
        "reported",
    )
    assert claude["name_zh"] == "Claude API 用户特别搬家计划"
    assert [b["tokens"] for b in claude["benefits"] if b["kind"] == "free_tokens"] == [20_000_000]
    assert any("tomshardware.com" in url for url in claude["source_urls"])
    assert len(claude["source_urls"]) >= 3


def test_unknown_amounts_stay_unknown(programs):
    # Alibaba's 2025 allowances, Tencent's new-user pack size: not published, so no tokens.
    for slug in ("alibaba-claude-migration-2025", "tencent-tokenhub-new-user-pack"):
        assert not [
            b for b in programs[slug]["benefits"] if b["kind"] in ("free_tokens", "discount", "credit")
        ]
    assert programs["alibaba-claude-migration-2025"]["audience"] == "anthropic"
    # Kimi's voucher terms are on a page not recorded: a promotion without a counted benefit.
    assert programs["moonshot-top-up-vouchers"]["benefits"] == []


def test_plans_are_priced_as_the_pages_say(programs):
    # MiniMax Token Plan: Plus ¥49, Max ¥119, Ultra ¥469 a month.
    minimax = programs["minimax-token-plan"]
    assert [(b["kind"], b["price"], b["currency"], b["period"]) for b in minimax["benefits"]] == [
        ("plan", "49", "CNY", "month"), ("plan", "119", "CNY", "month"), ("plan", "469", "CNY", "month")]  # fmt: skip
    # Volcano Engine Coding Plan: Lite 40/month or 120/quarter, Pro 200/month or 600/quarter.
    coding = programs["volcengine-coding-plan"]
    assert [(b["price"], b["period"]) for b in coding["benefits"]] == [
        ("40", "month"), ("200", "month"), ("120", "quarter"), ("600", "quarter")]  # fmt: skip
    assert (coding["category"], coding["confirmed_on"]) == ("plan", "2026-07-17")


def test_the_2024_programmes_stay_for_openai_users(programs):
    for slug in ("zhipu-openai-migration-2024", "alibaba-openai-migration-2024", "baidu-qianfan-inclusive-2024",
                 "tencent-hunyuan-free-tokens-2024", "sensetime-sensenova-migration-2024", "baichuan-free-tokens-2024",
                 "01ai-replacement-plan-2024"):  # fmt: skip
        assert (programs[slug]["audience"], programs[slug]["category"]) == ("openai", "migration"), slug
    # MiniMax's June-2024 sign-up offer was for every new account, not a migration programme.
    assert (programs["minimax-signup-tokens-2024"].get("audience"), programs["minimax-signup-tokens-2024"]["category"]) == (
        None, "new_users")  # fmt: skip
