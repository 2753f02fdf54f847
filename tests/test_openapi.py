"""/api/v1/openapi.json is true: schemathesis calls the API (through WSGI, no network) with what
the document allows and with what it forbids, and checks every answer against it."""

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from tests.connections import keep_test_connection
from tests.test_estimate_api import DATA

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    call_command("import_catalog", str(DATA / "estimate_catalog.json"), verbosity=0)


@pytest.fixture(autouse=True)
def _no_dns(monkeypatch):
    """Webhook URLs name made-up hosts: each resolves to a private address (refused), never to DNS."""
    from watches import webhooks

    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["10.0.0.1"])


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # schemathesis calls the WSGI application directly, not through the test client.
    with keep_test_connection():
        yield


def test_the_document_is_served_and_names_every_endpoint(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {
        "/api/v1/catalog",
        "/api/v1/estimate",
        "/api/v1/tokenizers",
        "/api/v1/watches",
        "/api/v1/watches/{id}",
    }


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_openapi_document(case, catalog):
    # Default checks: no 5xx, documented status codes, content types and response schemas, invalid
    # bodies refused. Not "valid data is accepted": a schema-valid body may still name a model the
    # catalog does not have, which is a 400 by the contract.
    # identity: the WSGI client does not undo the gzip the catalog endpoint serves when asked
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"}, excluded_checks=[positive_data_acceptance]
    )
