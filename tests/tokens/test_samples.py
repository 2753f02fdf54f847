"""Samples from pasted text, .txt and .jsonl uploads, and stored by hash."""

import hashlib
import json
import re

import pytest

from offers.models import TokenSample
from offers.tokens.samples import load, store, texts_from_jsonl, texts_from_upload


def test_jsonl_chat_requests_give_their_message_contents():
    data = "\n".join(
        [
            json.dumps({"model": "gpt-4o", "messages": [{"role": "system", "content": "Be brief."},
                                                         {"role": "user", "content": "你好"}]}),
            "",
            json.dumps({"custom_id": "1", "body": {"messages": [
                {"role": "user", "content": [{"type": "text", "text": "Describe"},
                                             {"type": "image_url", "image_url": {"url": "x"}}]},
                {"role": "assistant", "content": None, "tool_calls": []},
            ]}}),
        ]
    )  # fmt: skip
    assert texts_from_jsonl(data) == ["Be brief.", "你好", "Describe"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "line 1: not JSON."),
        ("[1]", "line 1: must be a JSON object"),
        ('{"messages": [{"content": "a"}]}\n{"prompt": "x"}', "line 2: no messages"),
        ('{"messages": [{"content": 3}]}', "line 1: messages[0].content must be a string"),
    ],
)
def test_jsonl_errors_name_the_line(data, message):
    from offers.tokens import SampleError

    with pytest.raises(SampleError, match=re.escape(message)):
        texts_from_jsonl(data)


def test_uploads():
    from offers.tokens import SampleError

    assert texts_from_upload("a.txt", "\ufeffhello".encode()) == ["hello"]  # BOM dropped
    assert texts_from_upload("a.txt", b"") == []
    assert texts_from_upload("chat.JSONL", b'{"messages": [{"content": "hi"}]}') == ["hi"]
    with pytest.raises(SampleError, match="not UTF-8"):
        texts_from_upload("a.txt", b"\xff\xfe")
    with pytest.raises(SampleError, match="NUL"):
        texts_from_upload("a.txt", b"a\x00b")
    with pytest.raises(SampleError, match="over 1,000,000 bytes"):
        texts_from_upload("a.txt", b"a" * 1_000_001)


@pytest.mark.django_db
def test_store_and_load_by_hash():
    digest = hashlib.sha256(b'["hello world"]').hexdigest()
    sample = store(["hello world"])
    assert sample.digest == digest
    assert sample.size == 11
    store(["hello world"])
    assert TokenSample.objects.count() == 1
    assert load(digest).texts == ("hello world",)
    assert load("0" * 64) is None
    assert load("not-a-hash") is None
