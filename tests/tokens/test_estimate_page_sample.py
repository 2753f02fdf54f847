"""The estimate page with a sample of the user's text (rule 9): pasted or uploaded, stored by
its hash, carried by the link, shown in the ranking and the downloads (never the text).

The catalog and the sample are those of tests/tokens/test_rule9.py: ["bw", "fq", "gk"] is 4 tokens
under o200k_base (gpt-4o) and 5 under deepseek-v3, so DeepSeek's ratio is 1.25; Moonshot has no
tokenizer. A pasted text is one string: "bw fq gk" is a different sample, so the tests post the
three strings as a .jsonl of chat requests."""

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from offers.models import TokenSample
from offers.tokens import sample_hash
from offers.web.estimate.query import lines_query
from tests.tokens.test_rule9 import SAMPLE, catalog  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
URL = reverse("offers:estimate")


def current(**settings):
    return lines_query(
        [{"model": "gpt-4o", "input_tokens": 2, "cached_input_tokens": 0, "output_tokens": 6}],
        {"months": 1, "currency": "USD", "as_of": "2024-07-01", **settings},
    ).urlencode()


def jsonl(texts):
    return "\n".join(json.dumps({"messages": [{"role": "user", "content": t}]}) for t in texts).encode()


def post_sample(client, **data):
    return client.post(URL, {"action": "sample", "current": current(), **data})


def test_an_uploaded_sample_is_stored_and_the_link_carries_its_hash(client, catalog):  # noqa: F811
    upload = SimpleUploadedFile("chat.jsonl", jsonl(SAMPLE))
    response = post_sample(client, file=upload)
    assert response.status_code == 302
    digest = sample_hash(SAMPLE)
    params = parse_qs(urlsplit(response["Location"]).query)
    assert params["sample"] == [digest]
    assert TokenSample.objects.get(hash=digest).texts == SAMPLE

    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Your text is 1.25× the tokens at Deepseek." in html
    assert "Moonshot publishes no tokenizer" in html
    assert "6 bytes in 3 strings" in html
    deepseek = next(a for a in page.context["result"]["alternatives"] if a["provider"] == "deepseek")
    assert deepseek["total_cost"] == "19.00"  # 3 x $1 + 8 x $2, as in test_rule9


def test_downloads_carry_ratios_size_and_hash_never_the_text(client, catalog):  # noqa: F811
    TokenSample.objects.create(hash=sample_hash(SAMPLE), texts=SAMPLE, size=6)
    response = client.get(f"{URL}?{current(sample=sample_hash(SAMPLE))}&download=csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert "bw" not in text
    rows = list(csv.reader(io.StringIO(text[1:])))
    summary = {r[0]: r[1] for r in rows if len(r) == 2}
    assert summary["sample_hash"] == sample_hash(SAMPLE)
    assert summary["sample_bytes"] == "6"
    assert summary["sample_strings"] == "3"
    header = next(r for r in rows if r and r[0] == "rank")
    deepseek = next(r for r in rows if len(r) > 1 and r[1] == "deepseek")
    assert dict(zip(header, deepseek, strict=False))["token_ratios"] == (
        "gpt-4o->deepseek-v4-pro: 1.250000 (deepseek-v3 5 / o200k_base 4)"
    )


def test_a_pasted_text_is_one_string(client, catalog):  # noqa: F811
    response = post_sample(client, text="hello world")
    assert parse_qs(urlsplit(response["Location"]).query)["sample"] == [sample_hash(["hello world"])]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "Paste some text or choose a file."),
        ({"file": SimpleUploadedFile("a.txt", b"a" * 1_000_001)}, "The sample is over 1,000,000 bytes"),
        ({"file": SimpleUploadedFile("a.jsonl", b"{nope")}, "line 1: not JSON"),
    ],
)
def test_a_bad_sample_is_a_form_error_and_nothing_is_stored(client, catalog, data, message):  # noqa: F811
    response = post_sample(client, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TokenSample.objects.exists()
    # the estimate on screen keeps its lines
    assert response.context["formset"].forms[0]["model"].value() == "gpt-4o"


def test_an_unknown_hash_is_an_error_beside_the_form(client, catalog):  # noqa: F811
    response = client.get(f"{URL}?{current(sample='0' * 64)}")
    assert response.context["result"] is None
    assert response.context["form"].errors["sample"] == [
        "This sample of your text is not stored here; add it again."
    ]
    assert "This sample of your text is not stored here" in response.content.decode()


def test_without_a_sample_the_summary_says_tokens_are_assumed_equal(client, catalog):  # noqa: F811
    html = client.get(f"{URL}?{current()}").content.decode()
    assert "No sample of your text" in html
    assert 'data-tokens="' not in html
