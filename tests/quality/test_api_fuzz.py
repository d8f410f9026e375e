"""API fuzzing with schemathesis against the project's own OpenAPI schema.

Every operation gets generated requests (valid and invalid); none may answer 5xx, and every
response must conform to the schema (status code documented, content type, body shape).
Bounded and seeded so `make test` stays fast and repeatable (12 examples an operation; `make fuzz`
runs 200, FUZZ_EXAMPLES=N any other count).
"""
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.conftest import make_token

schema = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
HEADERS = {"Authorization": f"Bearer {make_token(tenant='acme', sub='per_fuzzer', roles=('admin',), ttl=3600)}"}


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI app closes the database connection after each request (as in production); the
    test's transaction lives on that connection, so keep it open as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "12")), deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_schema_conformance(case):
    response = case.call(headers=HEADERS)
    case.validate_response(response, checks=CHECKS, headers=HEADERS)
