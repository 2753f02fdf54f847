"""Moving from Claude by a base-URL change: the vendors that serve the Anthropic API shape
(data/curated/anthropic_endpoints.json: each base URL with its source and confidence), with
snippets for the Anthropic SDK and for Claude Code naming the vendor's counterparts of Claude's
Opus, Sonnet and Haiku on the page's date (the mappings from Claude models, rule 4)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

ENDPOINTS = Path(settings.BASE_DIR) / "data" / "curated" / "anthropic_endpoints.json"
# The Claude models whose counterparts the snippets name: Sonnet is the main model (ANTHROPIC_MODEL).
SONNET, OPUS, HAIKU = "claude-sonnet-4-5", "claude-opus-4-5", "claude-haiku-4-5"


@dataclass
class ClaudeSnippet:
    region: str | None  # None: the vendor's home site; "intl": its international site
    base_url: str
    source: str
    confidence: str  # official | reported
    model: str  # the counterpart of Claude Sonnet, or MODEL_ID
    models: dict  # {"opus", "sonnet", "haiku"}: counterpart slugs (or MODEL_ID)
    key_variable: str
    python: str
    claude_code: str


@lru_cache(maxsize=1)
def endpoints() -> dict:
    """The curated file, read once per process ({} without it)."""
    if not ENDPOINTS.is_file():
        return {}
    return json.loads(ENDPOINTS.read_text(encoding="utf-8"))


def claude_code_variables() -> list[str]:
    return list((endpoints().get("claude_code") or {}).get("env") or [])


def claude_snippets(provider, mapped: dict) -> list[ClaudeSnippet]:
    """One snippet per Anthropic-shape endpoint of `provider` (home site first). `mapped` is
    {Claude model slug: the vendor's counterpart Model on the page's date}."""
    var = re.sub(r"[^A-Z0-9]+", "_", provider.slug.upper()).strip("_") + "_API_KEY"

    def slug(claude_model, fallback=None):
        model = mapped.get(claude_model) or fallback
        return model.slug if model is not None else "MODEL_ID"

    sonnet_model = mapped.get(SONNET)
    models = {"opus": slug(OPUS, sonnet_model), "sonnet": slug(SONNET), "haiku": slug(HAIKU, sonnet_model)}
    entries = [e for e in endpoints().get("endpoints", []) if e["provider"] == provider.slug]
    entries.sort(key=lambda e: (e.get("region") is not None, e.get("region") or ""))
    out = []
    for entry in entries:
        base = entry["base_url"]
        python = (
            "import os\n"
            "import anthropic\n\n"
            "client = anthropic.Anthropic(\n"
            f'    api_key=os.environ["{var}"],\n'
            f'    base_url="{base}",\n'
            ")\n"
            "message = client.messages.create(\n"
            f'    model="{models["sonnet"]}",  # was "{SONNET}"\n'
            "    max_tokens=1024,\n"
            '    messages=[{"role": "user", "content": "Hello"}],\n'
            ")\n"
            "print(message.content[0].text)\n"
        )
        claude_code = (
            f'export ANTHROPIC_BASE_URL="{base}"\n'
            f'export ANTHROPIC_AUTH_TOKEN="${var}"\n'
            f'export ANTHROPIC_MODEL="{models["sonnet"]}"\n'
            f'export ANTHROPIC_DEFAULT_OPUS_MODEL="{models["opus"]}"\n'
            f'export ANTHROPIC_DEFAULT_SONNET_MODEL="{models["sonnet"]}"\n'
            f'export ANTHROPIC_DEFAULT_HAIKU_MODEL="{models["haiku"]}"\n'
            "claude\n"
        )
        out.append(
            ClaudeSnippet(
                region=entry.get("region"),
                base_url=base,
                source=entry["source"],
                confidence=entry["confidence"],
                model=models["sonnet"],
                models=models,
                key_variable=var,
                python=python,
                claude_code=claude_code,
            )
        )
    return out
