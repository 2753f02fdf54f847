"""Estimate links that stay short: usage lines stored by the hash of their query (issue 21)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedUsage(models.Model):
    """The usage lines of an estimate link, stored by the hash of their query string (issue 21).

    A link to an estimate of many lines (an uploaded bill) would be longer than servers accept;
    the page stores those lines once, content-addressed, and its links say `saved=<key>` instead.
    The same lines always give the same key, so storing is idempotent and rows are never changed.
    """

    key = models.CharField(max_length=32, primary_key=True)  # sha256 hex of `query`, first 128 bits
    query = models.TextField()  # the lines' fields, URL-encoded in a canonical order
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved usage")
        verbose_name_plural = _("saved usage")

    def __str__(self):
        return self.key
