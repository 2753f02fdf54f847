"""Vendor pages for a team leaving Claude: snippets for the Anthropic SDK and Claude Code where the
vendor serves the Anthropic API shape (data/curated/anthropic_endpoints.json), with the source and
confidence of each base URL and the vendor's counterparts of Claude models on today's date."""

import datetime as dt

import pytest

from offers.models import Model
from tests.factories import ProviderFactory, map_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def deepseek():
    anthropic = ProviderFactory(slug="anthropic", name="Anthropic")
    openai = ProviderFactory(slug="openai", name="OpenAI")
    deepseek = ProviderFactory(slug="deepseek", name="DeepSeek", api_base_url="https://api.deepseek.com")
    pro = Model.objects.create(provider=deepseek, slug="deepseek-v4-pro", name="DeepSeek V4 Pro",
                               released_on=dt.date(2026, 4, 24))  # fmt: skip
    flash = Model.objects.create(provider=deepseek, slug="deepseek-v4-flash", name="DeepSeek V4 Flash",
                                 released_on=dt.date(2026, 4, 24))  # fmt: skip
    for slug, target in (("claude-sonnet-4-5", pro), ("claude-opus-4-5", pro), ("claude-haiku-4-5", flash)):
        map_model(Model.objects.create(provider=anthropic, slug=slug, name=slug), target)
    map_model(Model.objects.create(provider=openai, slug="gpt-4o", name="GPT-4o"), pro)
    return deepseek


def test_anthropic_sdk_and_claude_code_snippets(client, deepseek):
    page = client.get("/vendors/deepseek/").content.decode()
    assert "Switching from Claude" in page
    # the recorded DeepSeek page: "BASE URL (Anthropic 格式) https://api.deepseek.com/anthropic" (official)
    assert "https://api.deepseek.com/anthropic" in page
    assert "official" in page
    assert "base_url=&quot;https://api.deepseek.com/anthropic&quot;" in page
    assert "model=&quot;deepseek-v4-pro&quot;,  # was &quot;claude-sonnet-4-5&quot;" in page
    assert "export ANTHROPIC_DEFAULT_HAIKU_MODEL=&quot;deepseek-v4-flash&quot;" in page
    # the OpenAI snippet stays, and its model list has no Claude model
    assert "Switching from OpenAI" in page
    assert '<option value="claude-sonnet-4-5"' not in page


def test_reported_base_urls_say_so(client, deepseek):
    ProviderFactory(slug="moonshot", name="Moonshot")
    page = client.get("/vendors/moonshot/").content.decode()
    # Kimi's Anthropic URLs come from third-party configs: reported, home and international
    assert "https://api.moonshot.cn/anthropic" in page
    assert "https://api.moonshot.ai/anthropic" in page
    assert "reported" in page
    assert "MODEL_ID" in page  # no Claude mapping to Moonshot in this catalog


def test_no_section_without_an_anthropic_endpoint(client, deepseek):
    ProviderFactory(slug="baidu", name="Baidu")
    assert "Switching from Claude" not in client.get("/vendors/baidu/").content.decode()


def test_compare_takes_a_claude_model_as_the_reference(client, deepseek):
    page = client.get("/compare/", {"m": "deepseek/deepseek-v4-pro", "baseline": "claude-sonnet-4-5"})
    html = page.content.decode()
    assert '<option value="claude-sonnet-4-5" selected>' in html
    # DeepSeek's counterpart of Claude Sonnet today is the compared model itself
    assert "this model" in html
