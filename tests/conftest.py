"""Shared fixtures: real JWTs, API clients per caller, database helpers."""
import time

import jwt
import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient


def make_token(*, tenant: str = "acme", sub: str = "per_alice", roles=(), ttl: int = 600, **claims) -> str:
    now = int(time.time())
    payload = {"sub": sub, "tenant_id": tenant, "roles": list(roles), "iat": now, "exp": now + ttl, **claims}
    return jwt.encode(payload, settings.JWT_SECRET, algorithm="HS256")


class Caller(APIClient):
    """An APIClient authenticated as one person of one tenant."""

    def __init__(self, *, tenant: str, sub: str, roles=()):
        super().__init__()
        self.tenant, self.sub, self.roles = tenant, sub, tuple(roles)
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(tenant=tenant, sub=sub, roles=roles)}")


@pytest.fixture
def caller(db):
    """caller(tenant="acme", sub="per_x", roles=("agent",)) -> an authenticated API client."""

    def build(tenant: str = "acme", sub: str = "per_alice", roles=()) -> Caller:
        return Caller(tenant=tenant, sub=sub, roles=roles)

    return build


@pytest.fixture
def admin_a(caller):
    return caller("acme", "per_admin_a", ("admin",))


@pytest.fixture
def admin_b(caller):
    return caller("globex", "per_admin_b", ("admin",))


@pytest.fixture
def anon(db):
    return APIClient()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


postgres_only = pytest.mark.skipif(
    "sqlite" in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL"
)


@pytest.fixture(autouse=True)
def events_match_the_catalogue(request):
    """Every event any test makes the code emit is declared in the event catalogue and its payload
    validates against the declared serializer (apps/core/event_catalogue.py). Load tests that write
    synthetic outbox rows say so with `@pytest.mark.uncatalogued_events`."""
    from apps.core.event_catalogue import validation_errors
    from apps.core.events import event_emitted

    problems: list[str] = []
    if request.node.get_closest_marker("uncatalogued_events"):
        yield problems
        return

    def check(sender, *, event, **kwargs):
        problems.extend(validation_errors(event))

    event_emitted.connect(check, weak=False, dispatch_uid="tests.events_match_the_catalogue")
    yield problems
    event_emitted.disconnect(dispatch_uid="tests.events_match_the_catalogue")
    assert not problems, "\n".join(problems)


@pytest.fixture
def scim_target():
    """A real SCIM 2.0 server (PyPI scim2-server) on 127.0.0.1, stopped after the test; see
    tests/integration/scim_target.py for its faults (scripted statuses, delay, down)."""
    from tests.integration.scim_target import ScimTarget

    with ScimTarget() as target:
        yield target
