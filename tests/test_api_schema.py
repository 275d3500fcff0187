"""Schemathesis against the OpenAPI document of /api/v1, on a real server with a token of every
scope whose quota is raised for the run: no server error, and every response (status, content
type, headers, body) as the document says. Day: 2026-11-25."""
import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from publish.api.openapi import openapi_document
from publish.clock import SHANGHAI, Clock
from publish.settings import DEFAULT_BASE_URL
from publish.tokens import TokenOffice
from tests.api_support import live_server, state_dir  # noqa: F401 (the module's own state)
from tests.conftest import AS_OF
from tests.test_api_auth import built  # noqa: F401

NOON = dt.datetime.combine(AS_OF, dt.time(12), SHANGHAI)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, ignored_auth]
schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module")
def api(built, state_dir):  # noqa: F811
    with TokenOffice.open(state_dir, Clock.at(NOON), DEFAULT_BASE_URL) as office:
        token, _ = office.issue("接口契约测试", "entities:read screen changes:read audit:read sql")
    with live_server(built, state_dir) as (base, _):
        yield base, token


def test_the_document_is_openapi_3_1_and_served(api):
    import httpx

    base, _ = api
    served = httpx.get(base + "/api/v1/openapi.json")
    assert served.status_code == 200 and served.json() == openapi_document()
    assert openapi_document()["openapi"] == "3.1.0"


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case, api):
    base, token = api
    case.call_and_validate(base_url=base, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
