"""Temporary: offers.catalog.services under its old name until catalog_io and admin move (issue 15)."""

from offers.catalog.services import *  # noqa: F403
