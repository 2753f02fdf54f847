"""Tokenizers: the registry of vocabularies Banjia counts with, and counting a user's sample.

A lower layer: it imports nothing of the estimator or the web code.
"""

from .counting import (
    MAX_SAMPLE_BYTES,
    SampleError,
    count,
    count_all,
    count_sample,
    sample_hash,
    sample_size,
    validate_sample,
)
from .ratio import ONE, Sample, TokenRatio, ratio_text, scale, scale_line, token_ratio
from .registry import NAMES, REGISTRY, TokenizerUnavailable, UnknownTokenizer, encoder, spec

__all__ = [
    "MAX_SAMPLE_BYTES",
    "NAMES",
    "ONE",
    "Sample",
    "TokenRatio",
    "ratio_text",
    "scale",
    "scale_line",
    "token_ratio",
    "REGISTRY",
    "SampleError",
    "TokenizerUnavailable",
    "UnknownTokenizer",
    "count",
    "count_all",
    "count_sample",
    "encoder",
    "sample_hash",
    "sample_size",
    "spec",
    "validate_sample",
]
