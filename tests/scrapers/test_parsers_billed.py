"""Prices as billed, read off the real recordings in ../shared/pages (read from there, never copied):
reply-length bands, thinking-mode rows, one reading of discounts, derived prices that say their
rule, and the rows the seed used to drop (GLM-4-FlashX, Volcano's low-latency tier).

Expected values were read by hand off the recorded pages; the comment says where."""

from decimal import Decimal as D

import pytest

from scrapers.base import Observation, ParseError
from scrapers.parsing import output_band
from scrapers.sources import alibaba, minimax, volcengine, zhipu

from .conftest import by_slot
from .test_parsers_dimensions import parsed

ZHIPU = "vendors/zhipu-bigmodel-pricing.html"
VOLC = "vendors/volcengine-ark-pricing.html"
ALI = "vendors/alibaba-model-studio-pricing.json"
MINIMAX = "vendors/minimax-token-plan.html"


# --- reply-length bands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "unit", "band"),
    [
        # Zhipu, header "上下文 (千tokens)": [0, 0.2) is 0 <= n < 200 tokens -> 0..199 inclusive
        ("输入长度 [0, 32) 输出长度 [0, 0.2)", 1000, (None, 199)),
        # [0.2+) is n >= 200
        ("输入长度 [0, 32) 输出长度 [0.2+)", 1000, (200, None)),
        # Volcano, header "条件 千 token": [0, 0.2] is n <= 200, (0.2,+∞) is n > 200 -> 201 on
        ("输入长度 [0, 32] 且输出长度 [0, 0.2]", 1000, (None, 200)),
        ("输入长度 [0, 32] 且输出长度 (0.2,+∞)", 1000, (201, None)),
        # a condition on the prompt only: no band, the row holds for any reply
        ("输入长度 [32, 200)", 1000, (None, None)),
        ("200K", 1000, (None, None)),
    ],
)
def test_output_band(cell, unit, band):
    assert output_band(cell, default_unit=unit) == band


def test_output_band_that_cannot_be_read_raises():
    with pytest.raises(ParseError, match="reply-length band"):
        output_band("输入长度 [0, 32) 输出长度 很长", default_unit=1000)


def test_zhipu_reply_length_bands(recorded):
    obs = parsed(zhipu, recorded, ZHIPU)
    short = by_slot(obs, reply=(None, 199))
    long = by_slot(obs, reply=(200, None))
    anyreply = by_slot(obs, reply=(None, None))
    # 旗舰模型: "GLM-4.7 | 输入长度 [0, 32) 输出长度 [0, 0.2) | 2元 | 8元 | 限时免费 | 0.4元"
    assert short[("glm-4.7", "input", None, 31999, "CNY")] == D("2")
    assert short[("glm-4.7", "output", None, 31999, "CNY")] == D("8")
    assert short[("glm-4.7", "cached_input", None, 31999, "CNY")] == D("0.4")
    # "输入长度 [0, 32) 输出长度 [0.2+) | 3元 | 14元 | 限时免费 | 0.6元"
    assert long[("glm-4.7", "input", None, 31999, "CNY")] == D("3")
    assert long[("glm-4.7", "output", None, 31999, "CNY")] == D("14")
    # "输入长度 [32, 200) | 4元 | 16元": no reply-length condition
    assert anyreply[("glm-4.7", "output", 32000, 199999, "CNY")] == D("16")
    # "GLM-4.5-Air | 输入长度 [0, 32) 输出长度 [0, 0.2) | 0.8元 | 2元" and "[0.2+) | 0.8元 | 6元"
    assert short[("glm-4.5-air", "output", None, 31999, "CNY")] == D("2")
    assert long[("glm-4.5-air", "output", None, 31999, "CNY")] == D("6")
    # only these two models are banded on the page
    assert {o.model for o in obs if o.tier_max_output_tokens or o.tier_min_output_tokens} == {
        "glm-4.7",
        "glm-4.5-air",
    }


def test_volcengine_reply_length_bands(recorded):
    obs = parsed(volcengine, recorded, VOLC)
    short, long = by_slot(obs, reply=(None, 200)), by_slot(obs, reply=(201, None))
    # 在线推理（常规）: "doubao-seed-1.6 | 输入长度 [0, 32] 且输出长度 [0, 0.2] | 0.80 | ... | 2.00"
    # and "且输出长度 (0.2,+∞) | 0.80 | ... | 8.00"
    assert short[("doubao-seed-1.6", "output", None, 32000, "CNY")] == D("2.00")
    assert long[("doubao-seed-1.6", "output", None, 32000, "CNY")] == D("8.00")
    assert long[("doubao-seed-1.8", "output", None, 32000, "CNY")] == D("8.00")
    # "doubao-seed-1.6-lite | ... [0, 0.2] | 0.30 | ... | 0.60" and "(0.2,+∞) | 0.30 | ... | 2.40"
    assert short[("doubao-seed-1.6-lite", "output", None, 32000, "CNY")] == D("0.60")
    assert long[("doubao-seed-1.6-lite", "output", None, 32000, "CNY")] == D("2.40")
    assert long[("doubao-seed-1.6-lite", "input", None, 32000, "CNY")] == D("0.30")
    # "输入长度 (32, 128] | 1.20 | ... | 16.00": any reply
    assert by_slot(obs, reply=(None, None))[("doubao-seed-1.6", "output", 32001, 128000, "CNY")] == D("16.00")
    # 批量推理: "doubao-seed-1.6 | ... 且输出长度 (0.2,+∞) | 0.40 | - | 0.16 | - | 4.00"
    batch = by_slot(obs, "batch", reply=(201, None))
    assert batch[("doubao-seed-1.6", "output", None, 32000, "CNY")] == D("4.00")


# --- thinking mode ----------------------------------------------------------------------------------


def test_alibaba_thinking_mode_rows(recorded):
    obs = parsed(alibaba, recorded, ALI)
    thinking, plain = by_slot(obs, mode="thinking"), by_slot(obs, mode="non_thinking")
    anymode = by_slot(obs, mode=None)
    # 千问Plus / 华北2（北京）: "qwen-plus-2025-04-28 | 无阶梯计价 | 0.8元 | 2元 | 8元" under
    # "输出单价 非思考模式" and "输出单价 思考模式(思维链+回答)"
    assert plain[("qwen-plus-2025-04-28", "output", None, None, "CNY")] == D("2")
    assert thinking[("qwen-plus-2025-04-28", "output", None, None, "CNY")] == D("8")
    assert anymode[("qwen-plus-2025-04-28", "input", None, None, "CNY")] == D("0.8")
    # Qwen3 / 华北2（北京）: "qwen3-next-80b-a3b-thinking | 仅思考模式 | 1元 | - | 10元": a thinking output only
    assert thinking[("qwen3-next-80b-a3b-thinking", "output", None, None, "CNY")] == D("10")
    assert ("qwen3-next-80b-a3b-thinking", "output", None, None, "CNY") not in plain
    assert ("qwen3-next-80b-a3b-thinking", "output", None, None, "CNY") not in anymode
    # "qwen3-next-80b-a3b-instruct | 仅非思考模式 | 1元 | 4元 | -"
    assert plain[("qwen3-next-80b-a3b-instruct", "output", None, None, "CNY")] == D("4")
    # "qwen3-8b | 非思考和思考模式 | 0.5元 | 2元 | 5元"
    assert thinking[("qwen3-8b", "output", None, None, "CNY")] == D("5")
    # qwen3.7-plus: both output columns "原价 8元 限时8折": one output row for any mode
    assert anymode[("qwen3.7-plus", "output", None, 256000, "CNY")] == D("8")
    assert ("qwen3.7-plus", "output", None, 256000, "CNY") not in thinking


# --- discounts read one way ---------------------------------------------------------------------------


def test_limited_time_discount_keeps_the_list_price(recorded):
    got = by_slot(parsed(alibaba, recorded, ALI))
    # "qwen3.7-plus ... 0<Token≤256K | 原价 2元 限时8折": the rows keep the list price 2, not 1.6
    assert got[("qwen3.7-plus", "input", None, 256000, "CNY")] == D("2")
    # 千问Max: "qwen3.7-max ... 原价 12元 限时5折 | 原价 36元 限时5折": 12 and 36, not 6 and 18
    assert got[("qwen3.7-max", "input", None, 1000000, "CNY")] == D("12")
    assert got[("qwen3.7-max", "output", None, 1000000, "CNY")] == D("36")


def test_permanent_discount_is_the_price_with_the_list_price_in_the_note(recorded):
    obs = {(o.model, o.kind, o.tier_max_input_tokens): o for o in minimax.parse(recorded(MINIMAX))}
    # "MiniMax-M3 上下文 ≤ 512K 永久五折 | ¥4.2 (struck) ¥2.1 | ¥16.8 (struck) ¥8.4"
    m3_in = obs[("minimax-m3", "input", 512000)]
    assert m3_in.amount == D("2.1")
    assert m3_in.note == "permanent discount 永久五折; list price 4.2 CNY"
    assert obs[("minimax-m3", "output", 512000)].note == "permanent discount 永久五折; list price 16.8 CNY"
    # "MiniMax-M3 上下文 512K ~ 1M 永久五折 | ¥8.4 ¥4.2": 4.2 with list price 8.4
    assert obs[("minimax-m3", "input", 1000000)].amount == D("4.2")
    assert obs[("minimax-m3", "input", 1000000)].note == "permanent discount 永久五折; list price 8.4 CNY"
    # "MiniMax-M2.7 | ¥2.1 / 百万 tokens": no discount, no note
    assert obs[("minimax-m2.7", "input", None)].note is None
    assert {o.confidence for o in obs.values()} == {"official"}


def test_permanent_discount_on_the_international_markdown_page(recorded):
    obs = {(o.model, o.kind, o.service_tier, o.tier_max_input_tokens): o
           for o in minimax.parse(recorded("vendors/minimax-pricing-en.md"))}  # fmt: skip
    # Standard tab: "**MiniMax-M3** ≤ 512k input tokens Permanent 50% off | ~~\$0.60~~ \$0.30 / M tokens"
    m3 = obs[("minimax-m3", "input", "standard", 512000)]
    assert (m3.amount, m3.note) == (D("0.30"), "permanent discount Permanent 50% off; list price 0.6 USD")
    # Priority tab: "~~\$3.60~~ \$1.80 / M tokens" (output)
    pri = obs[("minimax-m3", "output", "priority", 512000)]
    assert (pri.amount, pri.note) == (D("1.80"), "permanent discount Permanent 50% off; list price 3.6 USD")
    # "**MiniMax-M2.7** | \$0.3 / M tokens": no discount, no note
    assert obs[("minimax-m2.7", "input", "standard", None)].note is None


# --- derived prices say their rule ---------------------------------------------------------------------


def test_batch_half_price_rows_are_derived(recorded):
    obs = parsed(alibaba, recorded, ALI)
    batch = [o for o in obs if o.service_tier == "batch"]
    assert batch
    assert {o.confidence for o in batch} == {"derived"}
    assert all("Batch调用 半价" in o.note and "50%" in o.note for o in batch)
    # "qwen3-max Batch调用 半价 ... 0<Token≤32K | 2.5元 | 10元" -> 2.5 x 0.5 = 1.25, 10 x 0.5 = 5
    got = by_slot(obs, "batch")
    assert got[("qwen3-max", "input", None, 32000, "CNY")] == D("1.25")
    # every real-time row is a number the page states
    assert {o.confidence for o in obs if o.service_tier != "batch"} == {"official"}


def test_batch_prices_a_page_states_stay_official(recorded):
    obs = parsed(zhipu, recorded, ZHIPU)
    # 模型推理: "GLM-4-Plus | 高智能旗舰 | 128K | 5 元 / 百万Tokens | 2.5 元 / 百万Tokens" (Batch API 定价)
    batch = [o for o in obs if o.service_tier == "batch" and o.model == "glm-4-plus"]
    assert {(o.amount, o.confidence) for o in batch} == {(D("2.5"), "official")}


# --- rows the seed dropped --------------------------------------------------------------------------------


def test_glm_4_flashx_is_read(recorded):
    obs = parsed(zhipu, recorded, ZHIPU)
    # 模型推理: "GLM-4-FlashX-250414 | 高速低价 | 128K | 0.1 元 / 百万Tokens | 0.05 元 / 百万Tokens"
    assert by_slot(obs)[("glm-4-flashx-250414", "input", None, None, "CNY")] == D("0.1")
    assert by_slot(obs)[("glm-4-flashx-250414", "output", None, None, "CNY")] == D("0.1")
    assert by_slot(obs, "batch")[("glm-4-flashx-250414", "output", None, None, "CNY")] == D("0.05")


def test_volcengine_low_latency_tier(recorded):
    obs = parsed(volcengine, recorded, VOLC)
    got = by_slot(obs, "priority")
    # 在线推理（低延迟）: "doubao-seed-2.0-pro | 输入长度 [0, 32] | 9.6 | - | 1.92 | - | 48.0"
    assert got[("doubao-seed-2.0-pro", "input", None, 32000, "CNY")] == D("9.6")
    assert got[("doubao-seed-2.0-pro", "cached_input", None, 32000, "CNY")] == D("1.92")
    assert got[("doubao-seed-2.0-pro", "output", None, 32000, "CNY")] == D("48.0")
    # "doubao-seed-2.0-mini | 输入长度 (128, 256] | 1.6 | 24.0 | 0.32 | 4.8 | 16.0" (audio columns skipped)
    assert got[("doubao-seed-2.0-mini", "output", 128001, 256000, "CNY")] == D("16.0")
    assert {o.note for o in obs if o.service_tier == "priority"} == {"low-latency tier (在线推理（低延迟）)"}
    # three models x three prompt tiers x three kinds
    assert len(got) == 27


def test_observation_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        Observation(source="x", vendor="x", provider=None, model="m", kind="output", amount=D("1"),
                    currency="CNY", mode="deep")  # fmt: skip
