"""Text no part of Banjia can store, look up or print: the NUL character and unpaired surrogates.

PostgreSQL refuses NUL in text and neither database driver can encode a lone surrogate
("\\ud800", which JSON's "\\ud800" escape and undecodable command-line bytes produce), so such a
string reaching a query or a response is a 500 or a traceback. Every way in checks its strings
here before any query: the estimator's request parsing (API, page and command), the page forms
(`validate_clean_text`), the browse pages' query parameters (`clean_or_empty`) and the URL paths
(the `text` path converter, a 404).
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
MESSAGE = _("Contains a character that is not allowed (a NUL or an unpaired surrogate).")


def is_clean(value: str) -> bool:
    """True when `value` can be stored, looked up and printed."""
    return not BAD_CHARACTERS.search(value)


def printable(value: str) -> str:
    """`value` with every bad character written as a \\uXXXX escape: safe in error paths and messages."""
    return BAD_CHARACTERS.sub(lambda m: f"\\u{ord(m[0]):04x}", value)


def visible(value: str) -> str:
    """`value` with every character a page cannot show as it is (Unicode category C: controls,
    format characters such as bidi overrides, NUL, surrogates, private use) as a \\uXXXX escape."""
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c)[0] == "C" else c for c in value)


def clean_or_empty(value) -> str:
    """A query parameter as given, or "" when it holds a bad character (treated as not given)."""
    return value if isinstance(value, str) and is_clean(value) else ""


def validate_clean_text(value):
    """Form-field validator."""
    if isinstance(value, str) and not is_clean(value):
        raise ValidationError(MESSAGE, code="bad_character")


class CleanPathConverter:
    """Like Django's `path` converter, but a segment with a bad character matches nothing (404)."""

    regex = ".+"

    def to_python(self, value):
        if not is_clean(value):
            raise ValueError("bad character in path")
        return value

    def to_url(self, value):
        return value
