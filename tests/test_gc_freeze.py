"""settings.BANJIA_GC_FREEZE: the compiled catalog of each new version is frozen out of the cyclic
garbage collector's sight, and the version it replaces is freed, not kept frozen forever."""

import gc
import weakref

import pytest

from offers.estimator import snapshot
from tests.factories import ProviderFactory

# Committed writes: the shared compiled catalog (not a transaction's private one) is what freezes.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def frozen(settings):
    settings.BANJIA_GC_FREEZE = True
    yield
    gc.unfreeze()


def test_each_version_is_frozen_and_the_previous_one_freed(frozen):
    ProviderFactory(slug="zhipu")
    first = snapshot.compiled()
    assert gc.get_freeze_count() > 0  # the catalog (and everything alive then) is frozen
    # A snapshot refers back to its catalog: a reference cycle that a frozen heap never frees.
    snapshot.load_snapshot(_request())
    assert first.snapshots
    gone = weakref.ref(first)
    ProviderFactory(slug="moonshot")  # a new version, built while `first` is still in use
    second = snapshot.compiled()
    assert [p.slug for p in second.providers] == ["moonshot", "zhipu"]
    # `first` was alive at the freeze, so it is frozen now; once its last user lets go it must be
    # freed by reference counting alone (frozen objects are never collected).
    del first
    gc.collect()
    assert gone() is None, "the previous version's catalog is still alive"


def test_off_freezes_nothing(settings):
    settings.BANJIA_GC_FREEZE = False
    gc.unfreeze()
    ProviderFactory(slug="zhipu")
    snapshot.compiled()
    assert gc.get_freeze_count() == 0


def _request():
    from offers.estimator import parse_request

    return parse_request({"usage": [{"model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}]})
