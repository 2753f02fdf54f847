"""The seed catalog prices models as their vendors bill them (issue 16): reply-length bands,
thinking-mode rows, one reading of discounts, derived rows that say their rule, and the rows the
seed used to drop. Expected values read by hand off the recorded pages (../shared/pages)."""

import json
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "data" / "catalog.json"


def current(provider, model, kind, **dims):
    """Amounts of the model's current rows of `kind` whose listed keys equal `dims` (absent keys
    read as the format's defaults)."""
    defaults = {"service_tier": "standard", "region": None, "tier_min_input_tokens": None,
                "tier_max_input_tokens": None, "tier_min_output_tokens": None, "tier_max_output_tokens": None,
                "mode": None}  # fmt: skip
    want = {**defaults, **dims}
    doc = json.loads(SEED.read_text())
    [prov] = [p for p in doc["providers"] if p["slug"] == provider]
    [m] = [m for m in prov["models"] if m["slug"] == model]
    return [r for r in m["prices"] if r["kind"] == kind and r["valid_to"] is None
            and all(r.get(k, defaults.get(k)) == v for k, v in want.items())]  # fmt: skip


def amounts(rows):
    return sorted(r["amount"] for r in rows)


def test_glm_4_7_reply_bands():
    # bigmodel.cn: "GLM-4.7 | 输入长度 [0, 32) 输出长度 [0, 0.2) | 2元 | 8元" and "[0.2+) | 3元 | 14元"
    short = current("zhipu", "glm-4.7", "output", tier_max_input_tokens=31999, tier_max_output_tokens=199)
    long = current("zhipu", "glm-4.7", "output", tier_max_input_tokens=31999, tier_min_output_tokens=200)
    assert amounts(short) == ["8"]
    assert amounts(long) == ["14"]
    assert {r["confidence"] for r in short + long} == {"official"}


def test_doubao_seed_reply_bands_standard_and_batch():
    # Ark 在线推理（常规）: "doubao-seed-1.6 ... 且输出长度 [0, 0.2] | ... | 2.00" and "(0.2,+∞) | ... | 8.00"
    assert amounts(current("volcengine", "doubao-seed-1.6", "output", tier_max_input_tokens=32000,
                           tier_max_output_tokens=200)) == ["2"]  # fmt: skip
    assert amounts(current("volcengine", "doubao-seed-1.6", "output", tier_max_input_tokens=32000,
                           tier_min_output_tokens=201)) == ["8"]  # fmt: skip
    # 批量推理: "doubao-seed-1.8 ... (0.2,+∞) | 0.40 | - | 0.16 | - | 4.00"
    assert amounts(current("volcengine", "doubao-seed-1.8", "output", service_tier="batch",
                           tier_max_input_tokens=32000, tier_min_output_tokens=201)) == ["4"]  # fmt: skip


def test_qwen_thinking_mode_rows():
    # 千问Plus: "qwen-plus 当前能力等同于qwen-plus-2025-12-01 | 0<Token≤128K | 0.8元 | 2元 | 8元"
    assert amounts(current("alibaba", "qwen-plus", "output", tier_max_input_tokens=128000,
                           mode="non_thinking")) == ["2"]  # fmt: skip
    assert amounts(
        current("alibaba", "qwen-plus", "output", tier_max_input_tokens=128000, mode="thinking")
    ) == ["8"]
    # Qwen3: "qwen3-next-80b-a3b-thinking | 仅思考模式 | 1元 | - | 10元"
    assert amounts(current("alibaba", "qwen3-next-80b-a3b-thinking", "output", mode="thinking")) == ["10"]


def test_discounts_read_one_way():
    # qwen3.7-max "原价 12元 限时5折": the list price 12 (the discount is a promotion programme)
    assert amounts(current("alibaba", "qwen3.7-max", "input", tier_max_input_tokens=1000000)) == ["12"]
    # MiniMax-M3 "永久五折 ¥4.2 ¥2.1": the price 2.1, the list price in the note
    [m3] = current("minimax", "minimax-m3", "input", tier_max_input_tokens=512000)
    assert (m3["amount"], m3["note"]) == ("2.1", "permanent discount 永久五折; list price 4.2 CNY")


def test_batch_half_price_rows_are_derived():
    # "qwen3-max Batch调用 半价 ... 0<Token≤32K | 2.5元 | 10元": 10 x 50% = 5, derived with its rule
    [row] = current("alibaba", "qwen3-max", "output", service_tier="batch", tier_max_input_tokens=32000)
    assert (row["amount"], row["confidence"]) == ("5", "derived")
    assert "Batch调用 半价" in row["note"]


def test_rows_the_seed_used_to_drop():
    # "GLM-4-FlashX-250414 | 高速低价 | 128K | 0.1 元 / 百万Tokens | 0.05 元 / 百万Tokens"
    assert amounts(current("zhipu", "glm-4-flashx-250414", "input")) == ["0.1"]
    # 在线推理（低延迟）: "doubao-seed-2.0-pro | 输入长度 [0, 32] | 9.6 | - | 1.92 | - | 48.0"
    assert amounts(current("volcengine", "doubao-seed-2.0-pro", "output", service_tier="priority",
                           tier_max_input_tokens=32000)) == ["48"]  # fmt: skip
    # MiniMax-M3 priority: 1.5 x the standard 8.4 = 12.6, derived
    [pri] = current("minimax", "minimax-m3", "output", service_tier="priority", tier_max_input_tokens=512000)
    assert (pri["amount"], pri["confidence"]) == ("12.6", "derived")
    assert "1.5x standard" in pri["note"]
