"""A vendor's page: its programmes, models and prices, and the migration snippet."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import (
    Prefetch,
)
from django.db.models.functions import Lower

from offers.catalog.counterparts import counterparts
from offers.catalog.fx import Converter, Rate
from offers.models import (
    Benefit,
    Model,
    Provider,
    today,
)
from offers.web.browse.claude import claude_snippets
from offers.web.browse.currency import rates_behind
from offers.web.browse.offer_board import ProgramCard, ProgramState, program_card
from offers.web.browse.prices import ModelPrices, current_prices
from offers.web.browse.table import ModelRow

# --- Vendor page ------------------------------------------------------------------------------


@dataclass
class Snippet:
    openai_model: str
    model: Model | None
    base_url: str
    key_variable: str
    python: str
    node: str
    curl: str


def key_variable(provider: Provider) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", provider.slug.upper()).strip("_") + "_API_KEY"


def migration_snippet(provider: Provider, openai_model: str, model: Model | None) -> Snippet:
    base_url = provider.api_base_url or "https://api.example.com/v1"
    var = key_variable(provider)
    target = model.slug if model else "MODEL_ID"
    python = (
        "import os\n"
        "from openai import OpenAI\n\n"
        "client = OpenAI(\n"
        f'    api_key=os.environ["{var}"],\n'
        f'    base_url="{base_url}",\n'
        ")\n"
        "response = client.chat.completions.create(\n"
        f'    model="{target}",  # was "{openai_model}"\n'
        '    messages=[{"role": "user", "content": "Hello"}],\n'
        ")\n"
        "print(response.choices[0].message.content)\n"
    )
    node = (
        'import OpenAI from "openai";\n\n'
        "const client = new OpenAI({\n"
        f"  apiKey: process.env.{var},\n"
        f'  baseURL: "{base_url}",\n'
        "});\n"
        "const response = await client.chat.completions.create({\n"
        f'  model: "{target}", // was "{openai_model}"\n'
        '  messages: [{ role: "user", content: "Hello" }],\n'
        "});\n"
        "console.log(response.choices[0].message.content);\n"
    )
    curl = (
        f'curl "{base_url.rstrip("/")}/chat/completions" \\\n'
        f'  -H "Authorization: Bearer ${var}" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        f'  -d \'{{"model": "{target}", "messages": [{{"role": "user", "content": "Hello"}}]}}\'\n'
    )
    return Snippet(openai_model, model, base_url, var, python, node, curl)


@dataclass
class VendorPage:
    provider: Provider
    models: list[ModelRow]
    programs: list[ProgramCard]
    openai_models: list[str]
    openai_model: str
    mapped: dict[str, Model]
    snippet: Snippet
    converter: Converter
    claude: list = field(default_factory=list)  # ClaudeSnippet per Anthropic-shape endpoint

    @property
    def rates(self) -> list[Rate]:
        """The exchange rates behind the model table's prices, shown once above it."""
        return rates_behind((r.money for row in self.models for r in row.prices.all_rows()), self.converter)


def vendor_page(provider: Provider, *, openai_model="", currency="USD", on=None) -> VendorPage:
    """Everything on a vendor page in seven queries (the provider itself is the caller's)."""
    on = on or today()
    converter = Converter.load(on)  # 1
    models = list(provider.models.order_by("kind", Lower("name"), "slug"))  # 2
    model_ids = {m.pk for m in models}
    programs = list(  # 3, 4, 5
        provider.programs.filter(is_published=True).prefetch_related(
            Prefetch(
                "benefits",
                queryset=Benefit.objects.order_by("position", "id").prefetch_related(
                    Prefetch("models", queryset=Model.objects.order_by("slug"))
                ),
            )
        )
    )
    model_ids |= {m.pk for p in programs for b in p.benefits.all() for m in b.models.all()}
    prices = current_prices(model_ids, converter, currency, on)  # 6
    # 7: the counterpart of each OpenAI model on `on` (rule 4, as the estimator picks it)
    # (the same query gives the counterparts of Claude models, for the Anthropic-shape snippets)
    found = list(counterparts(on, providers=[provider.pk]).values())
    mapped: dict[str, Model] = {
        m.mapping_openai_model.slug: m for m in found if m.mapping_openai_model.provider.slug == "openai"
    }
    claude_mapped = {
        m.mapping_openai_model.slug: m for m in found if m.mapping_openai_model.provider.slug == "anthropic"
    }
    mapped = dict(sorted(mapped.items()))
    openai_models = sorted(mapped) or ["gpt-4o"]
    if openai_model not in openai_models:
        openai_model = "gpt-4o" if "gpt-4o" in openai_models else openai_models[0]
    target = mapped.get(openai_model) or next((m for m in models if m.kind == Model.Kind.CHAT), None)
    cards = [program_card(program, prices, converter, currency, on) for program in programs]
    cards.sort(key=lambda c: (ProgramState.RANK[c.state], c.program.slug))
    return VendorPage(
        provider=provider,
        models=[ModelRow(m, prices.get(m.pk) or ModelPrices()) for m in models],
        programs=cards,
        openai_models=openai_models,
        openai_model=openai_model,
        mapped=mapped,
        snippet=migration_snippet(provider, openai_model, target),
        converter=converter,
        claude=claude_snippets(provider, claude_mapped),
    )
