from decimal import Decimal
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_text():
    def read(name):
        from scrapers.http import decode

        return decode((FIXTURES / name).read_bytes())

    return read


@pytest.fixture
def recorded(shared_pages):
    def read(relative):
        from scrapers.http import decode

        return decode((shared_pages / relative).read_bytes())

    return read


def by_slot(observations):
    """{(model, kind, tier_min, tier_max, currency): amount} for easy lookups."""
    out = {}
    for o in observations:
        key = (o.model, o.kind, o.tier_min_input_tokens, o.tier_max_input_tokens, o.currency)
        assert key not in out, f"duplicate {key}"
        out[key] = o.amount
    return out


def assert_sane(observations):
    assert observations
    for o in observations:
        assert isinstance(o.amount, Decimal)
        assert o.amount >= 0
        assert o.kind in ("input", "cached_input", "output")
        assert o.currency in ("CNY", "USD")
        assert o.model == o.model.lower() and " " not in o.model
