"""A Claude bill as the baseline (DESIGN.md rule 10), hand-priced over a small catalog from the
factories: cache writes and reads, batch, a request above 200K input tokens, programmes for Claude
users. Every expected value is worked out by hand in the comments (USD per 1M tokens, 1 month)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from offers.estimator import EstimateError, run
from tests.factories import (
    ASSUMED,
    BenefitFactory,
    MigrationProgramFactory,
    PriceFactory,
    ProviderFactory,
    map_model,
)

pytestmark = pytest.mark.django_db

AS_OF = "2025-12-01"
LONG = 200_001


def _prices(model, rows):
    for kind, amount, extra in rows:
        PriceFactory(model=model, kind=kind, amount=Decimal(amount), valid_from=dt.date(2025, 1, 1), **extra)


@pytest.fixture
def catalog():
    """anthropic/claude-sonnet-4-5 (the recorded page's prices):
      standard: input 3, cache hit 0.30, 5m write 3.75, 1h write 6, output 15
      above 200K input tokens (tier from 200,001): input 6, hit 0.60, 5m 7.50, 1h 12, output 22.50
      batch: input 1.50, hit 0.15, 5m 1.875, 1h 3, output 7.50
    zhipu/glm-x: input 1, cached 0.20, output 2 (no cache-write rows, no tiers, no batch)
    openai/gpt-5: input 1.25, cached 0.125, output 10; batch input 0.625, output 5
    Both mapped from claude-sonnet-4-5 at rank 1."""
    from offers.models import Model

    anthropic = ProviderFactory(slug="anthropic", name="Anthropic")
    claude = Model.objects.create(provider=anthropic, slug="claude-sonnet-4-5", name="Claude Sonnet 4.5")
    long_ = {"tier_min_input_tokens": LONG}
    batch = {"service_tier": "batch"}
    _prices(claude, [
        ("input", "3", {}), ("cached_input", "0.3", {}), ("cache_write_5m", "3.75", {}),
        ("cache_write_1h", "6", {}), ("output", "15", {}),
        ("input", "6", long_), ("cached_input", "0.6", long_), ("cache_write_5m", "7.5", long_),
        ("cache_write_1h", "12", long_), ("output", "22.5", long_),
        ("input", "1.5", batch), ("cached_input", "0.15", batch), ("cache_write_5m", "1.875", batch),
        ("cache_write_1h", "3", batch), ("output", "7.5", batch),
    ])  # fmt: skip
    zhipu = ProviderFactory(slug="zhipu", name="Zhipu")
    glm = Model.objects.create(provider=zhipu, slug="glm-x", name="GLM-X")
    _prices(glm, [("input", "1", {}), ("cached_input", "0.2", {}), ("output", "2", {})])
    openai = ProviderFactory(slug="openai", name="OpenAI")
    gpt = Model.objects.create(provider=openai, slug="gpt-5", name="GPT-5")
    _prices(gpt, [("input", "1.25", {}), ("cached_input", "0.125", {}), ("output", "10", {}),
                  ("input", "0.625", batch), ("output", "5", batch)])  # fmt: skip
    gpt4o = Model.objects.create(provider=openai, slug="gpt-4o", name="GPT-4o")
    _prices(gpt4o, [("input", "2.5", {}), ("output", "10", {})])
    map_model(claude, glm)
    map_model(claude, gpt)
    map_model(gpt4o, glm)
    return {"claude": claude, "glm": glm, "gpt": gpt, "zhipu": zhipu}


def line(**fields):
    return {"model": "claude-sonnet-4-5", "input_tokens": 0, "output_tokens": 0, **fields}


def request(*lines, **options):
    return {"usage": list(lines), "months": 1, "currency": "USD", "as_of": AS_OF, "baseline": "anthropic",
            **options}  # fmt: skip


CACHED = line(
    input_tokens=10_000_000,
    cached_input_tokens=4_000_000,
    cache_write_5m_tokens=2_000_000,
    cache_write_1h_tokens=1_000_000,
    output_tokens=1_000_000,
)
BATCH = line(input_tokens=2_000_000, output_tokens=1_000_000, service_tier="batch")
LONG_REQUESTS = line(input_tokens=3_000_000, output_tokens=100_000, requests=10)  # 300,000 a request


def test_cache_writes_and_reads(catalog):
    result = run(request(CACHED))
    # Claude: uncached 10 - 4 - 2 - 1 = 3M x 3 = 9; hits 4 x 0.30 = 1.20; 5m writes 2 x 3.75 = 7.50;
    # 1h writes 1 x 6 = 6; output 1 x 15 = 15: 9 + 1.20 + 7.50 + 6 + 15 = 38.70
    assert result["baseline"] == {
        "provider": "anthropic",
        "monthly_cost": "38.70",
        "total_cost": "38.70",
        "lines": [{"model": "claude-sonnet-4-5", "monthly_cost": "38.70"}],
    }
    zhipu = next(a for a in result["alternatives"] if a["provider"] == "zhipu")
    # GLM-X has no cache-write prices: writes at input. 3 x 1 + 4 x 0.20 + (2 + 1) x 1 + 1 x 2
    # = 3 + 0.80 + 3 + 2 = 8.80
    assert zhipu["lines"] == [
        {"baseline_model": "claude-sonnet-4-5", "model": "glm-x", "monthly_cost": "8.80", "tokens": ASSUMED}
    ]
    # savings 38.70 - 8.80 = 29.90 = 77.26 % of 38.70 (29.9 / 38.7 = 0.772609...)
    assert (zhipu["savings"], zhipu["savings_percent"]) == ("29.90", "77.26")
    gpt = next(a for a in result["alternatives"] if a["provider"] == "openai")
    # GPT-5: 3 x 1.25 + 4 x 0.125 + 3 x 1.25 + 1 x 10 = 3.75 + 0.50 + 3.75 + 10 = 18.00
    assert gpt["monthly_list_cost"] == "18.00"
    # OpenAI is an alternative for a Claude baseline, listed by cost after Zhipu; no openai_model key
    assert [a["provider"] for a in result["alternatives"]] == ["zhipu", "openai"]
    assert "openai_model" not in gpt["lines"][0]


def test_batch_line(catalog):
    result = run(request(BATCH))
    # Claude batch rows: 2 x 1.50 + 1 x 7.50 = 10.50
    assert result["baseline"]["monthly_cost"] == "10.50"
    lines = {a["provider"]: a["lines"][0] for a in result["alternatives"]}
    # GLM-X has no batch rows: its standard ones, 2 x 1 + 1 x 2 = 4.00, and the line says so
    assert lines["zhipu"]["monthly_cost"] == "4.00"
    assert lines["zhipu"]["tier_used"] == "standard"
    # GPT-5 batch: 2 x 0.625 + 1 x 5 = 6.25
    assert lines["openai"]["monthly_cost"] == "6.25"


def test_requests_above_200k_input_tokens(catalog):
    result = run(request(LONG_REQUESTS))
    # 3,000,000 / 10 = 300,000 input tokens a request > 200,000: the whole request at the long rates,
    # 3 x 6 + 0.1 x 22.50 = 18 + 2.25 = 20.25
    assert result["baseline"]["monthly_cost"] == "20.25"
    # the usage report's "200k-1M" context window says the same without request counts
    by_window = run(request(line(input_tokens=3_000_000, output_tokens=100_000, context_window="200k-1M")))
    assert by_window["baseline"]["monthly_cost"] == "20.25"
    # below 200K a request: the standard rates, 3 x 3 + 0.1 x 15 = 10.50
    short = run(request(line(input_tokens=3_000_000, output_tokens=100_000, requests=20)))  # 150,000 each
    assert short["baseline"]["monthly_cost"] == "10.50"
    # GLM-X has one untiered price: 3 x 1 + 0.1 x 2 = 3.20
    assert next(a for a in result["alternatives"] if a["provider"] == "zhipu")["monthly_list_cost"] == "3.20"


def test_cache_writes_on_long_and_batch_together(catalog):
    # long context and cache: 10 requests of 250,000 input (2.5M) of which 1M hits and 0.5M 5m writes,
    # output 0.2M: uncached 1M x 6 + 1M x 0.60 + 0.5M x 7.50 + 0.2 x 22.50 = 6 + 0.60 + 3.75 + 4.50 = 14.85
    long_cached = line(input_tokens=2_500_000, cached_input_tokens=1_000_000, cache_write_5m_tokens=500_000,
                       output_tokens=200_000, requests=10)  # fmt: skip
    # batch with 1h writes: uncached 1M x 1.50 + 1M x 3 + 0.4M x 7.50 = 1.50 + 3 + 3 = 7.50
    batch_writes = line(input_tokens=2_000_000, cache_write_1h_tokens=1_000_000, output_tokens=400_000,
                        service_tier="batch")  # fmt: skip
    result = run(request(long_cached, batch_writes))
    assert [ln["monthly_cost"] for ln in result["baseline"]["lines"]] == ["14.85", "7.50"]
    # whole bill of the kinds: 38.70 + 10.50 + 20.25 (the three tests above) = 69.45
    assert run(request(CACHED, BATCH, LONG_REQUESTS))["baseline"]["monthly_cost"] == "69.45"


def test_programmes_for_claude_users_only_for_a_claude_baseline(catalog):
    for_claude = MigrationProgramFactory(provider=catalog["zhipu"], slug="zhipu-claude", audience="anthropic",
                                         starts_on=dt.date(2025, 9, 5))  # fmt: skip
    BenefitFactory(program=for_claude, tokens=3_100_000)
    for_openai = MigrationProgramFactory(provider=catalog["zhipu"], slug="zhipu-openai", audience="openai",
                                         starts_on=dt.date(2024, 6, 25), ends_on=dt.date(2026, 1, 1))  # fmt: skip
    BenefitFactory(program=for_openai, tokens=1_000_000)
    result = run(request(LONG_REQUESTS))
    zhipu = next(a for a in result["alternatives"] if a["provider"] == "zhipu")
    # the Claude programme's 3.1M free tokens cover the line's 3M + 0.1M tokens: 3.20 -> 0.00
    assert zhipu["programs"] == ["zhipu-claude"]
    assert (zhipu["total_cost"], zhipu["benefits_value"]) == ("0.00", "3.20")
    assert zhipu["programs_left_out"] == [{"program": "zhipu-openai", "reason": "audience", "date": None}]
    # and the other way round for an OpenAI bill of gpt-4o (3M x 2.50 + 0.1M x 10 = 8.50 at OpenAI)
    openai = run(request({"model": "gpt-4o", "input_tokens": 3_000_000, "output_tokens": 100_000},
                         baseline="openai"))  # fmt: skip
    zhipu = next(a for a in openai["alternatives"] if a["provider"] == "zhipu")
    assert zhipu["programs"] == ["zhipu-openai"]
    assert zhipu["programs_left_out"] == [{"program": "zhipu-claude", "reason": "audience", "date": None}]
    # Anthropic is no alternative to an OpenAI bill, nor listed as incomplete
    assert [a["provider"] for a in openai["alternatives"]] == ["zhipu"]
    assert openai["incomplete"] == []
    assert openai["baseline"]["provider"] == "openai"
    assert zhipu["lines"][0]["openai_model"] == zhipu["lines"][0]["baseline_model"] == "gpt-4o"


def test_bad_claude_requests(catalog):
    with pytest.raises(EstimateError) as exc:
        run(request(line(input_tokens=10, cached_input_tokens=5, cache_write_5m_tokens=6)))
    assert list(exc.value.errors) == ["usage[0].cache_write_5m_tokens"]
    with pytest.raises(EstimateError) as exc:
        run(request(line(input_tokens=10, context_window="1M"), baseline="google"))
    assert set(exc.value.errors) == {"usage[0].context_window", "baseline"}
    with pytest.raises(EstimateError) as exc:
        run(request({"model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}))
    assert exc.value.errors["usage[0].model"] == ["gpt-4o is not a Claude model in the catalog."]


def test_cli_takes_the_baseline(catalog, tmp_path, capsys):
    import json

    path = tmp_path / "usage.json"
    path.write_text(json.dumps({"usage": [BATCH], "months": 1, "as_of": AS_OF}))
    call_command("estimate", str(path), "--baseline", "anthropic")
    out = json.loads(capsys.readouterr().out)
    assert (out["baseline"]["provider"], out["baseline"]["monthly_cost"]) == ("anthropic", "10.50")


def test_api_takes_the_baseline(catalog, client):
    response = client.post("/api/v1/estimate", request(BATCH), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["baseline"]["monthly_cost"] == "10.50"
    bad = client.post("/api/v1/estimate", request(BATCH, baseline="x"), content_type="application/json")
    assert bad.status_code == 400
    assert "baseline" in bad.json()["errors"]
