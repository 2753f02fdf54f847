"""Samples as users give them: pasted text, an uploaded .txt, or a .jsonl of chat requests; and
samples stored by hash so that an estimate's link can carry the hash instead of the text.

A .jsonl line is one chat request: {"messages": [...]} (OpenAI's chat format) or a Batch API line
{"custom_id", "body": {"messages": [...]}}; each message's `content` is counted, a string or a
list of parts whose "text" parts are counted (images and other parts are not text). Roles, names
and tool calls are not: rule 9 counts plain text, no chat template.
"""

import json

from django.utils.translation import gettext as _

from offers.models import TokenSample

from .counting import MAX_SAMPLE_BYTES, SampleError, sample_hash, sample_size, validate_sample
from .ratio import Sample


def texts_from_text(text):
    """A pasted or .txt sample: one string (empty text is no sample)."""
    return [text] if text else []


def _message_texts(messages, where):
    if not isinstance(messages, list):
        raise SampleError(_("%(where)s: messages must be a list.") % {"where": where})
    out = []
    for j, message in enumerate(messages):
        if not isinstance(message, dict):
            raise SampleError(_("%(where)s: messages[%(j)s] must be an object.") % {"where": where, "j": j})
        content = message.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out.extend(
                part["text"]
                for part in content
                if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
            )
        elif content is not None:
            raise SampleError(
                _("%(where)s: messages[%(j)s].content must be a string or a list of parts.")
                % {"where": where, "j": j}
            )
    return out


def texts_from_jsonl(data):
    """The message contents of a .jsonl of chat requests, in order (SampleError names the line)."""
    out = []
    for n, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        where = _("line %(n)s") % {"n": n}
        try:
            request = json.loads(line)
        except ValueError:
            raise SampleError(_("%(where)s: not JSON.") % {"where": where}) from None
        if not isinstance(request, dict):
            raise SampleError(_("%(where)s: must be a JSON object.") % {"where": where})
        body = request.get("body") if isinstance(request.get("body"), dict) else request
        if "messages" not in body:
            raise SampleError(_("%(where)s: no messages.") % {"where": where})
        out.extend(_message_texts(body["messages"], where))
    return out


def texts_from_upload(name, data):
    """A sample from an uploaded file's bytes: .jsonl as chat requests, anything else as text.
    The file must be UTF-8 and at most MAX_SAMPLE_BYTES of text once read."""
    if len(data) > 4 * MAX_SAMPLE_BYTES:  # a .jsonl's JSON around the text, bounded
        raise SampleError(_("The file is over 4,000,000 bytes."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SampleError(_("The file is not UTF-8 text.")) from None
    if name.lower().endswith(".jsonl"):
        return validate_sample(texts_from_jsonl(text))
    return validate_sample(texts_from_text(text))


def store(texts):
    """The stored sample (created once per hash) as a `Sample`; `texts` must be validated."""
    digest = sample_hash(texts)
    TokenSample.objects.get_or_create(
        hash=digest, defaults={"texts": list(texts), "size": sample_size(texts)}
    )
    return Sample(tuple(texts), digest, sample_size(texts))


def load(digest):
    """The stored sample with this hash, or None."""
    row = TokenSample.objects.filter(hash=digest).only("texts").first() if _is_hash(digest) else None
    if row is None:
        return None
    return Sample.of(row.texts)


def _is_hash(value):
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
