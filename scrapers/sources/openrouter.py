"""OpenRouter's model list (GET /api/v1/models): USD per token as strings.

    {"data": [{"id": "deepseek/deepseek-v4-pro", "pricing": {"prompt": "0.000000435",
        "completion": "0.00000087", "input_cache_read": "0.000000003625",
        "overrides": [{"min_prompt_tokens": 200000, "prompt": "...", "completion": "..."}]}}]}

`vendor` is the id's prefix (the model's author); "~" aliases and ":free" / ":extended" / ":beta"
variants are skipped; "-1" marks a variable price (the auto router) and is skipped too. An
override with min_prompt_tokens N is the tier from N + 1 prompt tokens; the base price then covers
prompts up to N.
"""

from ..base import Observation, ParseError, feed_key, first_per_slot
from ..parsing import load_json
from .feeds import decimal_or_none, per_token_to_million

SLUG = "openrouter"
KIND = "feed"
URLS = ["https://openrouter.ai/api/v1/models"]

PROVIDERS = {
    "openai": "openai",
    "deepseek": "deepseek",
    "qwen": "alibaba",
    "alibaba": "alibaba",
    "moonshotai": "moonshot",
    "z-ai": "zhipu",
    "zhipu": "zhipu",
    "zai-org": "zhipu",
    "thudm": "zhipu",
    "bytedance-seed": "volcengine",
    "bytedance": "volcengine",
    "tencent": "tencent",
    "minimax": "minimax",
    "baidu": "baidu",
    "stepfun": "stepfun",
    "stepfun-ai": "stepfun",
    "baichuan": "baichuan",
    "01-ai": "01ai",
}
FIELDS = (("input", "prompt"), ("cached_input", "input_cache_read"), ("output", "completion"))


def parse(text):
    doc = load_json(text, "openrouter")
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list):
        raise ParseError('openrouter: expected {"data": [models]}')
    out = []
    for entry in data:
        ident = entry.get("id") if isinstance(entry, dict) else None
        pricing = entry.get("pricing") if isinstance(entry, dict) else None
        if not isinstance(ident, str) or "/" not in ident or ident.startswith("~") or ":" in ident:
            continue  # ":free", ":extended", ":beta"... are OpenRouter's variants of a model, not its id
        if not isinstance(pricing, dict):
            continue  # listed without a price: nothing to cross-check
        vendor, model = ident.split("/", 1)
        model = model.lower()
        provider = PROVIDERS.get(vendor)
        overrides = [
            o for o in pricing.get("overrides") or [] if isinstance(o, dict) and o.get("min_prompt_tokens")
        ]
        bounds = sorted(
            int(decimal_or_none(o["min_prompt_tokens"], f"openrouter: {ident}")) for o in overrides
        )
        base_max = bounds[0] if bounds else None
        for kind, field in FIELDS:
            amount = per_token_to_million(pricing.get(field), f"openrouter: {ident}.pricing.{field}")
            if amount is not None:
                out.append(Observation(SLUG, vendor, provider, model, kind, amount, "USD", None, base_max))
        for override in overrides:
            lo = int(decimal_or_none(override["min_prompt_tokens"], f"openrouter: {ident}"))
            higher = [b for b in bounds if b > lo]
            for kind, field in FIELDS:
                amount = per_token_to_million(override.get(field), f"openrouter: {ident} override.{field}")
                if amount is not None:
                    out.append(Observation(SLUG, vendor, provider, model, kind, amount, "USD", lo + 1,
                                           higher[0] if higher else None))  # fmt: skip
    if not out:
        raise ParseError("openrouter: no model with pricing.prompt / pricing.completion")
    return first_per_slot(out, key=feed_key)
