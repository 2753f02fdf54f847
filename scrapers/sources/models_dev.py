"""models.dev's api.json: providers with their models; cost in USD per 1M tokens (also for the
"-cn" providers).

    {"deepseek": {"id": "deepseek", "models": {"deepseek-chat": {"cost": {"input": 0.14,
        "output": 0.28, "cache_read": 0.0028, "tiers": [{"input": 5, "output": 22.5,
        "tier": {"size": 272000, "type": "context"}}]}, ...}}}}

`vendor` is the provider id. A context tier of size N prices prompts above N; the base price
then covers prompts up to N (older files write this as "context_over_200k").
"""

from ..base import Observation, ParseError, feed_key, first_per_slot
from ..parsing import load_json
from .feeds import decimal_or_none

SLUG = "models-dev"
KIND = "feed"
URLS = ["https://models.dev/api.json"]

PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "deepseek": "deepseek",
    "alibaba": "alibaba",
    "alibaba-cn": "alibaba",
    "moonshotai": "moonshot",
    "moonshotai-cn": "moonshot",
    "zhipuai": "zhipu",
    "zai": "zhipu",
    "minimax": "minimax",
    "minimax-cn": "minimax",
    "tencent-tokenhub": "tencent",
    "tencent": "tencent",
    "volcengine": "volcengine",
    "baidu": "baidu",
    "stepfun": "stepfun",
    "stepfun-ai": "stepfun",
    "baichuan": "baichuan",
    "iflytek": "iflytek",
}
FIELDS = (("input", "input"), ("cached_input", "cache_read"), ("output", "output"))


def _amount(cost, field, what):
    number = decimal_or_none(cost.get(field), what)
    return None if number is None or number < 0 else number.normalize()


def parse(text):
    doc = load_json(text, "models-dev")
    if not isinstance(doc, dict):
        raise ParseError("models-dev: expected an object of providers")
    out = []
    for vendor, entry in doc.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("models"), dict):
            continue
        provider = PROVIDERS.get(vendor)
        for model_key, model in entry["models"].items():
            cost = model.get("cost") if isinstance(model, dict) else None
            if not isinstance(cost, dict):
                continue
            slug = str(model.get("id") or model_key).lower()
            kind = "embedding" if "embed" in slug else "chat"
            tiers = [
                t
                for t in cost.get("tiers") or []
                if isinstance(t, dict) and (t.get("tier") or {}).get("type") == "context"
            ]
            sizes = sorted(
                int(decimal_or_none(t["tier"].get("size"), f"models-dev: {vendor}/{model_key} tier"))
                for t in tiers
            )
            if not tiers and isinstance(cost.get("context_over_200k"), dict):
                tiers = [dict(cost["context_over_200k"], tier={"size": 200000, "type": "context"})]
                sizes = [200000]
            base_max = sizes[0] if sizes else None
            for k, field in FIELDS:
                amount = _amount(cost, field, f"models-dev: {vendor}/{model_key}.cost.{field}")
                if amount is not None:
                    out.append(
                        Observation(SLUG, vendor, provider, slug, k, amount, "USD", None, base_max, kind)
                    )
            for tier in tiers:
                size = int(
                    decimal_or_none(tier["tier"].get("size"), f"models-dev: {vendor}/{model_key} tier")
                )
                higher = [s for s in sizes if s > size]
                for k, field in FIELDS:
                    amount = _amount(tier, field, f"models-dev: {vendor}/{model_key} tier.{field}")
                    if amount is not None:
                        out.append(Observation(SLUG, vendor, provider, slug, k, amount, "USD", size + 1,
                                               higher[0] if higher else None, kind))  # fmt: skip
    if not out:
        raise ParseError("models-dev: no provider with models carrying cost.input / cost.output")
    return first_per_slot(out, key=feed_key)
