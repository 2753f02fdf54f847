"""The Watch form on the vendor, model and offer board pages posts what that page shows."""

import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from offers.catalog.io import import_catalog
from tests.factories import build_browse_catalog
from watches.models import Watch

from .conftest import catalog

pytestmark = pytest.mark.django_db


def hidden(html):
    form = html[html.index('id="watch-form"') :]
    form = form[: form.index("</form>")]
    return dict(re.findall(r'type="hidden" name="(kind|provider|model|estimate)" value="([^"]*)"', form))


def test_vendor_page(client):
    build_browse_catalog()
    html = client.get(reverse("offers:vendor", args=["zhipu"])).content.decode()
    assert hidden(html) == {"kind": "provider", "provider": "zhipu", "model": "", "estimate": ""}
    assert f'action="{reverse("watches:ask")}"' in html


def test_model_page(client):
    build_browse_catalog()
    html = client.get(reverse("offers:model", args=["zhipu", "glm-4"])).content.decode()
    assert hidden(html) == {"kind": "model", "provider": "zhipu", "model": "glm-4", "estimate": ""}


def test_offer_board(client):
    build_browse_catalog()
    html = client.get(reverse("offers:home")).content.decode()
    assert hidden(html) == {"kind": "offers", "provider": "", "model": "", "estimate": ""}
    assert 'name="audience"' in html


def test_a_cached_page_gets_each_visitor_its_own_csrf_token(settings):
    settings.BANJIA_PAGE_CACHE = True
    client = Client(enforce_csrf_checks=True)
    build_browse_catalog()
    url = reverse("offers:vendor", args=["zhipu"])
    client.get(url)
    html = client.get(url).content.decode()  # from the cache
    token = re.search(r'id="watch-form".*?name="csrfmiddlewaretoken" value="([^"]+)"', html, re.S).group(1)
    assert "placeholder" not in token
    response = client.post(
        reverse("watches:ask"),
        {"csrfmiddlewaretoken": token, "email": "a@example.com", "kind": "provider", "provider": "zhipu"},
    )
    assert response.status_code == 200
    assert "confirmation link is on its way" in response.content.decode()


def test_estimate_page_saves_its_request_without_the_date(client):
    import_catalog(catalog())
    html = client.get(reverse("offers:estimate")).content.decode()
    fields = hidden(html)
    assert fields["kind"] == "estimate"
    request = json.loads(unescape(fields["estimate"]))
    assert request["usage"][0]["model"] == "gpt-4o"
    assert "as_of" not in request  # a watch follows today's prices
    response = client.post(
        reverse("watches:ask"),
        {
            "email": "a@example.com",
            "kind": "estimate",
            "estimate": unescape(fields["estimate"]),
            "threshold_percent": "5",
        },
    )
    assert response.status_code == 200
    watch = Watch.objects.get()
    assert (watch.kind, watch.threshold_percent, watch.estimate_request) == (
        "estimate",
        Decimal("5.00"),
        request,
    )
