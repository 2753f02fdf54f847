"""Temporary: offers.catalog.version under its old name until models moves off it (issue 15)."""

from offers.catalog.version import *  # noqa: F403
