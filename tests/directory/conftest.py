"""Directory and SCIM fixtures: tenants, real SCIM tokens (hashed, created by the service), clients."""
import json

import pytest
from django.test import Client

from apps.directory.services import person_create, scim_token_create
from apps.core.models import Tenant
from apps.core.principal import system_principal

SCIM = "/scim/v2"
SCIM_JSON = "application/scim+json"


class ScimClient:
    """Django's test client speaking SCIM with one tenant's bearer token."""

    def __init__(self, token: str):
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def _send(self, method, path, body=None, **extra):
        data = json.dumps(body) if body is not None else None
        kwargs = {"content_type": SCIM_JSON} if data is not None else {}
        response = getattr(self.client, method)(f"{SCIM}{path}", data, **kwargs, **extra) if data is not None \
            else getattr(self.client, method)(f"{SCIM}{path}", **extra)
        response.doc = json.loads(response.content) if response.content else None
        return response

    def get(self, path, **params):
        return self._send("get", path, QUERY_STRING="&".join(f"{k}={v}" for k, v in params.items()))

    def post(self, path, body):
        return self._send("post", path, body)

    def put(self, path, body):
        return self._send("put", path, body)

    def patch(self, path, body):
        return self._send("patch", path, body)

    def delete(self, path):
        return self._send("delete", path)


def new_token(tenant_id: str, name: str = "IdP") -> str:
    Tenant.objects.get_or_create(id=tenant_id, defaults={"name": tenant_id.title()})
    return scim_token_create(actor=system_principal(tenant_id), data={"name": name}).raw_token


@pytest.fixture
def scim_a(db):
    return ScimClient(new_token("acme", "Okta"))


@pytest.fixture
def scim_b(db):
    return ScimClient(new_token("globex", "Entra"))


@pytest.fixture
def make_person(db):
    def build(tenant_id: str = "acme", user_name: str = "ann@acme.example", **data):
        Tenant.objects.get_or_create(id=tenant_id, defaults={"name": tenant_id.title()})
        person_id = data.pop("id", None)
        return person_create(actor=system_principal(tenant_id), data={"user_name": user_name, **data},
                             person_id=person_id)

    return build


def user_body(user_name: str, **extra) -> dict:
    """A SCIM User as Okta sends it on create (Okta's SCIM 2.0 reference)."""
    given, _, family = user_name.split("@")[0].partition(".")
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": given.title(), "familyName": family.title() or "User"},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": f"{given.title()} {family.title()}".strip(),
        "locale": "en-US",
        "externalId": f"00u{abs(hash(user_name)) % 10**12}",
        "groups": [],
        "password": "not-kept-1A!",
        "active": True,
        **extra,
    }
