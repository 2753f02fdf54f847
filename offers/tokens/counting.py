"""Counting a sample of the user's text under a registry tokenizer (estimator rule 9).

A sample is a list of strings (prompts and replies as sent), at most MAX_SAMPLE_BYTES of UTF-8 in
all, without NUL and without unpaired surrogates. Each string is encoded as plain text (no special
tokens, no chat template) and the counts are summed. A sample is known by its hash (SHA-256 of its
canonical JSON), and counts are cached per (sample hash, tokenizer) in Django's cache, so a shared
estimate or a second page view never encodes the same text twice.

Cost: one encode per string per tokenizer on a cache miss (a 1 MB sample: well under a second per
tokenizer); a cache hit is one cache read.
"""

import hashlib
import json

from django.core.cache import cache
from django.utils.translation import gettext as _

from .registry import encoder, spec

MAX_SAMPLE_BYTES = 1_000_000  # "1 MB of text in all": UTF-8 bytes, summed over the strings
CACHE_PREFIX = "tokens:v1"
CACHE_SECONDS = 60 * 60 * 24 * 30


class SampleError(ValueError):
    """A sample that cannot be counted; the message says why (shown under `sample`)."""


def validate_sample(value):
    """The sample as a list of str, or SampleError. Accepts a list of strings (possibly empty)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SampleError(_("Expected a list of strings."))
    total = 0
    for index, text in enumerate(value):
        if "\x00" in text:
            raise SampleError(_("Item %(i)s contains a NUL character.") % {"i": index})
        try:
            total += len(text.encode("utf-8"))
        except UnicodeEncodeError:
            raise SampleError(_("Item %(i)s contains an unpaired surrogate.") % {"i": index}) from None
        if total > MAX_SAMPLE_BYTES:
            raise SampleError(_("The sample is over 1,000,000 bytes of text (UTF-8)."))
    return list(value)


def sample_size(texts):
    """Bytes of UTF-8 text in the sample."""
    return sum(len(text.encode("utf-8")) for text in texts)


def sample_hash(texts):
    """SHA-256 (hex) of the sample's canonical JSON: the list, compact, UTF-8."""
    canonical = json.dumps(list(texts), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def count(texts, name):
    """Tokens of `texts` under tokenizer `name`: each string as plain text, summed (no cache)."""
    enc = encoder(name)
    return sum(enc.count(text) for text in texts if text)


def count_sample(texts, name, *, digest=None):
    """count(), cached per (sample hash, tokenizer)."""
    spec(name)  # an unknown name raises before any work
    key = f"{CACHE_PREFIX}:{name}:{digest or sample_hash(texts)}"
    found = cache.get(key)
    if found is None:
        found = count(texts, name)
        cache.set(key, found, CACHE_SECONDS)
    return found


def count_all(texts, names=None):
    """{name: tokens} for every registry tokenizer (or the names given), cached."""
    from .registry import NAMES

    digest = sample_hash(texts)
    return {name: count_sample(texts, name, digest=digest) for name in names or NAMES}
