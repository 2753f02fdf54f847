"""LiteLLM's model_prices_and_context_window.json: USD per token, keyed by model.

    "deepseek/deepseek-chat": {"input_cost_per_token": 2.8e-07, "output_cost_per_token": 4.2e-07,
        "cache_read_input_token_cost": 2.8e-08, "litellm_provider": "deepseek", "mode": "chat", ...}
    "dashscope/qwen-flash": {..., "tiered_pricing": [{"range": [0, 256000.0],
        "input_cost_per_token": 5e-08, "output_cost_per_token": 4e-07}, ...]}

Older releases have fewer keys: every field is read only when present. `vendor` is the
litellm_provider; the model id is the key without its "provider/" prefix. A tiered range
[a, b] is the prompt tier (a, b] (a = 0: from the first token). Older entries write a tier as
"input_cost_per_token_above_200k_tokens": the plain price then covers prompts up to 200K.
"""

import re

from ..base import Observation, ParseError, feed_key, first_per_slot
from ..parsing import load_json
from .feeds import decimal_or_none, per_token_to_million

SLUG = "litellm"
KIND = "feed"
URLS = ["https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"]

# litellm_provider -> catalog provider slug (the vendor's own API only, not resellers).
PROVIDERS = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "deepseek": "deepseek",
    "dashscope": "alibaba",
    "moonshot": "moonshot",
    "zai": "zhipu",
    "bigmodel": "zhipu",
    "zhipuai": "zhipu",
    "volcengine": "volcengine",
    "tencent": "tencent",
    "hunyuan": "tencent",
    "minimax": "minimax",
    "baidu": "baidu",
    "qianfan": "baidu",
    "stepfun": "stepfun",
    "baichuan": "baichuan",
    "01ai": "01ai",
    "sensetime": "sensetime",
    "iflytek": "iflytek",
}
MODES = {None, "chat", "completion", "responses", "embedding"}
FIELDS = (
    ("input", "input_cost_per_token"),
    ("cached_input", "cache_read_input_token_cost"),
    ("output", "output_cost_per_token"),
)


ABOVE = re.compile(
    r"(?:input_cost_per_token|output_cost_per_token|cache_read_input_token_cost)_above_(\d+)k_tokens"
)


def _tier_bound(value, what):
    number = decimal_or_none(value, what)
    return None if number is None else int(number)


def parse(text):
    doc = load_json(text, "litellm")
    if not isinstance(doc, dict):
        raise ParseError("litellm: expected an object of models")
    out = []
    for key, entry in doc.items():
        if key == "sample_spec" or not isinstance(entry, dict):
            continue
        vendor = entry.get("litellm_provider")
        if not isinstance(vendor, str) or entry.get("mode") not in MODES:
            continue
        model = key.split("/", 1)[1] if key.startswith(vendor + "/") else key
        model = model.lower()
        provider = PROVIDERS.get(vendor)
        model_kind = "embedding" if entry.get("mode") == "embedding" else "chat"
        tiers = entry.get("tiered_pricing")
        if isinstance(tiers, list) and tiers:
            for i, tier in enumerate(tiers):
                rng = tier.get("range") or [None, None]
                if not isinstance(rng, list) or len(rng) != 2:
                    raise ParseError(f"litellm: {key}.tiered_pricing[{i}].range is not [min, max]")
                lo = _tier_bound(rng[0], f"litellm: {key} range")
                hi = _tier_bound(rng[1], f"litellm: {key} range")
                for kind, field in FIELDS:
                    amount = per_token_to_million(
                        tier.get(field), f"litellm: {key}.tiered_pricing[{i}].{field}"
                    )
                    if amount is not None:
                        out.append(Observation(SLUG, vendor, provider, model, kind, amount, "USD",
                                               (lo + 1) if lo else None, hi, model_kind))  # fmt: skip
            continue
        # "input_cost_per_token_above_200k_tokens": the price for prompts above 200K tokens; the
        # plain field then covers prompts up to 200K.
        bounds = sorted({int(m.group(1)) * 1000 for k in entry if (m := ABOVE.fullmatch(k))
                         and entry.get(k) is not None})  # fmt: skip
        base_max = bounds[0] if bounds else None
        for kind, field in FIELDS:
            amount = per_token_to_million(entry.get(field), f"litellm: {key}.{field}")
            if amount is not None:
                out.append(Observation(SLUG, vendor, provider, model, kind, amount, "USD", None, base_max,
                                       model_kind))  # fmt: skip
        for i, bound in enumerate(bounds):
            upper = bounds[i + 1] if i + 1 < len(bounds) else None
            for kind, field in FIELDS:
                name = f"{field}_above_{bound // 1000}k_tokens"
                amount = per_token_to_million(entry.get(name), f"litellm: {key}.{name}")
                if amount is not None:
                    out.append(Observation(SLUG, vendor, provider, model, kind, amount, "USD", bound + 1, upper,
                                           model_kind))  # fmt: skip
    if not out:
        raise ParseError("litellm: no entry with litellm_provider and input/output_cost_per_token")
    return first_per_slot(out, key=feed_key)
