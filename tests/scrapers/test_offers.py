"""Offer observations: `scrape SOURCE --from-file F --dry-run --format json` over the recordings.

Expected objects are written by hand from ../shared/research/offers-2026.md (the quotes and where
they stand in each recording), never pasted from the parser's output."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from scrapers.base import ParseError
from scrapers.sources import alibaba, minimax, moonshot, volcengine, zhipu

OFFER_KEYS = ["source", "vendor", "provider", "offer", "models", "tokens", "per_model", "percent", "valid_days",
              "price", "currency", "period", "new_users_only", "ends_on", "text"]  # fmt: skip


def offers(slug, path):
    out = StringIO()
    call_command("scrape", slug, "--from-file", str(path), "--dry-run", "--format", "json", stdout=out,
                 stderr=StringIO())  # fmt: skip
    rows = [row for row in json.loads(out.getvalue()) if "offer" in row]
    assert all(list(row) == OFFER_KEYS for row in rows)
    return rows


def offer(source, kind, text, **fields):
    """A contract object with the defaults of an offer that states none of the other fields."""
    base = {"source": source, "vendor": source, "provider": source, "offer": kind, "models": [], "tokens": None,
            "per_model": False, "percent": None, "valid_days": None, "price": None, "currency": None,
            "period": None, "new_users_only": None, "ends_on": None, "text": text}  # fmt: skip
    return {**base, **fields}


@pytest.mark.django_db
def test_zhipu(shared_pages):
    rows = offers("zhipu", shared_pages / "vendors/zhipu-bigmodel-pricing.html")
    # offers-2026.md, Zhipu: "新用户注册专享 2000万 免费Tokens资源包 120次 图像和视频资源包" (2000万 = 20,000,000;
    # no models named: every model); "邀好友实名注册得Tokens 最高可领取总计 2亿Tokens 资源包" (2亿 = 200,000,000);
    # cache storage "限时免费" for GLM-5.x/4.7/4.5-Air/vision models (one table row each, 11 models).
    pack = offer("zhipu", "free_quota", "新用户注册专享 2000万 免费Tokens资源包 120次 图像和视频资源包",
                 tokens=20_000_000, new_users_only=True)  # fmt: skip
    referral = offer(
        "zhipu", "pack", "邀好友实名注册得Tokens 最高可领取总计 2亿Tokens 资源包", tokens=200_000_000
    )
    storage = offer("zhipu", "limited_discount", "缓存存储 (百万tokens/小时)：限时免费", percent="100",
                    models=["glm-4.5-air", "glm-4.5v", "glm-4.6v", "glm-4.6v-flashx", "glm-4.7", "glm-4.7-flashx",
                            "glm-5", "glm-5-turbo", "glm-5.1", "glm-5.2", "glm-5v-turbo"])  # fmt: skip
    assert rows == [storage, pack, referral]


@pytest.mark.django_db
def test_minimax(shared_pages):
    rows = offers("minimax", shared_pages / "vendors/minimax-token-plan.html")
    # offers-2026.md, MiniMax: "MiniMax-M3 上下文 ≤ 512K 永久五折" (五折 = half price: 50% off), both
    # prompt tiers; Token Plan "| Plus | ¥49 / 月 | 3-4 个 Agent |", Max ¥119, Ultra ¥469 a month.
    permanent = offer("minimax", "permanent_discount",
                      "MiniMax-M3 上下文 ≤ 512K 永久五折；MiniMax-M3 上下文 512K ~ 1M 永久五折",
                      models=["minimax-m3"], percent="50")  # fmt: skip
    plans = [
        offer("minimax", "plan", f"Token Plan {tier} ¥{price} / 月 {agents} 个 Agent", price=price, currency="CNY",
              period="month")
        for tier, price, agents in (("Max", "119", "4-5"), ("Plus", "49", "3-4"), ("Ultra", "469", "6-7"))
    ]  # fmt: skip
    assert rows == [permanent, *plans]


@pytest.mark.django_db
def test_minimax_international_markdown(shared_pages):
    rows = offers("minimax", shared_pages / "vendors/minimax-pricing-en.md")
    # minimax-pricing-en.md: "Permanent 50% off" badges beside MiniMax-M3; no Token Plan table there.
    assert [(r["offer"], r["models"], r["percent"]) for r in rows] == [
        ("permanent_discount", ["minimax-m3"], "50")
    ]
    assert "Permanent 50% off" in rows[0]["text"]


@pytest.mark.django_db
def test_volcengine(shared_pages):
    rows = offers("volcengine", shared_pages / "vendors/volcengine-ark-pricing.html")

    # offers-2026.md, Volcano Engine: "Coding Plan 个人版 ... Lite 套餐 1 个月 40 元/月 3 个月 120 元/季 Pro 套餐
    # 1 个月 200 元/月 3 个月 600 元/季"; "Agent Plan 个人版 ... Small 套餐 40 元/月 Medium 套餐 200 元/月 Large 套餐
    # 500 元/月 Max 套餐 1000 元/月"; Hyper3d-Gen2 packs "300万 token：150元" and "3000万 token：1000元";
    # "2026年7月6日至7月20日期间， Agent 运行时 与 工具调用 限时免费" (free until 2026-07-20).
    def plan(name, tier, price, unit, period):
        return offer("volcengine", "plan", f"{name} 个人版 {tier} 套餐 {price} 元/{unit}", price=price, currency="CNY",
                     period=period)  # fmt: skip

    expected = [
        plan("Agent Plan", "Large", "500", "月", "month"),
        plan("Agent Plan", "Max", "1000", "月", "month"),
        plan("Agent Plan", "Medium", "200", "月", "month"),
        plan("Agent Plan", "Small", "40", "月", "month"),
        offer("volcengine", "limited_discount", "2026年7月6日至7月20日期间， Agent 运行时 与 工具调用 限时免费",
              percent="100", ends_on="2026-07-20"),
        plan("Coding Plan", "Lite", "40", "月", "month"),
        plan("Coding Plan", "Lite", "120", "季", "quarter"),
        plan("Coding Plan", "Pro", "200", "月", "month"),
        plan("Coding Plan", "Pro", "600", "季", "quarter"),
        offer("volcengine", "pack", "Hyper3d-Gen2 模型提供优惠资源包 300万 token：150元", models=["hyper3d-gen2"],
              tokens=3_000_000, price="150", currency="CNY"),
        offer("volcengine", "pack", "Hyper3d-Gen2 模型提供优惠资源包 3000万 token：1000元", models=["hyper3d-gen2"],
              tokens=30_000_000, price="1000", currency="CNY"),
    ]  # fmt: skip
    assert rows == expected


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["kimi-pricing-chat-k26.html", "kimi-pricing-chat-k25.html"])
def test_moonshot(shared_pages, page):
    rows = offers("moonshot", shared_pages / "vendors" / page)
    # offers-2026.md, Kimi: "🎉 Kimi K3 旗舰模型已正式发布，充值限时最高返券30%！" on both pages.
    assert rows == [offer("moonshot", "limited_discount", "Kimi K3 旗舰模型已正式发布，充值限时最高返券30%！",
                          percent="30")]  # fmt: skip


@pytest.mark.django_db
def test_alibaba(shared_pages):
    rows = offers("alibaba", shared_pages / "vendors/alibaba-model-studio-pricing.json")
    quotas = {row["tokens"]: row for row in rows if row["offer"] == "free_quota"}
    validity = "有效期：自开通百炼/模型发布/申请通过之日起90天内（以较晚者为准）"
    region = "以下模型仅在华北2（北京）地域下有免费额度，其他地域均无免费额度。"
    # offers-2026.md, Alibaba: 100万 (1,000,000) tokens per model, 90 days, Beijing only; 10万 for the
    # audio models, 50万 for text-embedding-v1/v2/v3, 2000万 for text-embedding-async-v1/v2.
    assert sorted(quotas) == [100_000, 500_000, 1_000_000, 20_000_000]
    million = quotas[1_000_000]
    assert million == {**million, "per_model": True, "valid_days": 90, "new_users_only": True,
                       "text": f"免费额度 100万Token；{validity}；{region}"}  # fmt: skip
    for model in ("qwen3.8-max", "qwen3.7-max", "qwen3.7-flash", "qwen-plus", "qwen-max", "deepseek-v4-pro",
                  "kimi-k2.6", "glm-4.7", "glm-5.2", "minimax-m2.5", "qwq-plus"):  # fmt: skip
        assert model in million["models"], model
    # "无" for the vendor-direct listings, qwen-doc-turbo, qwen-deep-research, farui-plus and
    # glm-5.2-fast-preview; the Singapore tables' quota cells are not read (Beijing only).
    for model in ("qwen-doc-turbo", "qwen-deep-research", "farui-plus", "glm-5.2-fast-preview"):
        assert all(model not in row["models"] for row in quotas.values()), model
    assert quotas[500_000]["models"] == ["text-embedding-v1", "text-embedding-v2", "text-embedding-v3"]
    assert quotas[20_000_000]["models"] == ["text-embedding-async-v1", "text-embedding-async-v2"]
    assert {"qwen-audio-turbo", "qwen2-audio-instruct"} <= set(quotas[100_000]["models"])
    # The research counts 179 model ids in the Beijing tables carrying a token quota; the page also
    # gives one to speech models priced per token (qwen-tts-*, qwen-audio-3.0-realtime-*).
    assert sum(len(row["models"]) for row in quotas.values()) >= 179
    discounts = {tuple(row["models"]): row for row in rows if row["offer"] == "limited_discount"}
    # "原价2元 限时8折" (8折 = 80% of the list price: 20% off) on qwen3.7-plus; "限时5折" (50% off) on
    # qwen3.7-max and qwen3.7-max-us; no end date stated.
    assert discounts[("qwen3.7-plus",)]["percent"] == "20"
    assert discounts[("qwen3.7-plus",)]["text"].startswith("qwen3.7-plus：原价 2元 限时8折；原价 8元 限时8折")
    assert discounts[("qwen3.7-max",)]["percent"] == "50"
    assert discounts[("qwen3.7-max-us",)]["percent"] == "50"
    assert all(row["ends_on"] is None and row["new_users_only"] is None for row in discounts.values())
    # Video models are priced per second ("原价 0.45元/秒 限时6折"): not token discounts.
    assert not any(models[0].startswith("happyhorse") for models in discounts)


def test_a_page_without_offers_yields_none():
    page = """<html><body><h2>价格</h2><table><thead><tr><th>模型</th><th>输入价格</th><th>输出价格</th></tr>
    </thead><tbody><tr><td>kimi-k2.6</td><td>¥6.50</td><td>¥27.00</td></tr></tbody></table></body></html>"""
    assert moonshot.parse_offers(page) == []
    assert zhipu.parse_offers(page) == []
    assert volcengine.parse_offers(page) == []
    assert minimax.parse_offers(page) == []


@pytest.mark.parametrize(
    ("module", "page"),
    [
        (
            zhipu,
            "<html><body><p>新用户注册专享 大量 免费Tokens资源包</p><table><tr><th>模型</th></tr></table></body></html>",
        ),
        (
            moonshot,
            "<html><body><p>充值限时返券，多充多送</p><table><tr><th>模型</th></tr></table></body></html>",
        ),
        (alibaba, '{"data": {"content": "<p>no tables at all</p>"}}'),
        (minimax, ""),
    ],
)
def test_an_offer_in_a_layout_the_parser_does_not_know_raises(module, page):
    with pytest.raises(ParseError):
        module.parse_offers(page)
