"""System check: every registered tokenizer's vocabulary is there exactly as pinned, or Django
refuses to start.

Runs with `manage.py check`, `runserver`, `migrate` and every other command that runs checks, and
(tagged "banjia") when config/wsgi.py starts a server, which then refuses to start: the
pinned package version, the vocabulary file and its SHA-256 (about a second for all of them; the
encoders themselves are built on first use, from these same verified bytes). A failure is an
Error (offers.E101) naming the tokenizer and why, never a silent estimate later.
"""

from django.core.checks import Error, register


@register("offers", "banjia")
def check_tokenizers(app_configs=None, **kwargs):
    from .registry import verify_all

    return [
        Error(
            f"Tokenizer {name!r} cannot load: {message}",
            hint="Install the pinned packages: pip install -r requirements.txt",
            id="offers.E101",
        )
        for name, message in verify_all().items()
    ]
