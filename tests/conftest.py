import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
PAGES = SHARED / "pages"


def pytest_configure(config):
    os.environ.setdefault("DJANGO_DEBUG", "1")


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Rate limits off (tests make many requests from one address); tests/test_rate_limits.py
    turns them on with tiny limits."""
    settings.BANJIA_API_RATE_LIMIT = None
    settings.BANJIA_UPLOAD_RATE_LIMIT = None
    settings.BANJIA_LOGIN_RATE_LIMIT = None
    settings.BANJIA_WATCH_RATE_LIMIT = None
    settings.BANJIA_WATCH_FORM_RATE_LIMIT = None


@pytest.fixture
def shared_pages():
    """The recorded third-party pages; tests using them skip only outside CI."""
    if not PAGES.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{PAGES} is missing; CI must run with ../shared beside the checkout")
        pytest.skip("../shared/pages is not present")
    return PAGES


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with an empty page cache and reads the catalog version (and compiles the
    catalog) afresh."""
    from django.core.cache import cache

    from offers.catalog import version
    from offers.estimator import snapshot as compiled

    cache.clear()
    version._forget_memo()
    compiled.forget()
    return


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A test that switched the language (the test client's Chinese pages activate zh-hans in this
    thread) must not leave it active for the next test's module-level or direct calls."""
    yield
    from django.utils import translation

    translation.activate("en")
