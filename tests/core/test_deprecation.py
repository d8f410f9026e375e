"""Deprecation on the wire (apps/core/api/deprecation.py): a request that used a deprecated field alias
or a deprecated operation is answered with `Deprecation`, `Sunset` and `Link; rel="deprecation"`, and
the schema marks the same things `deprecated: true` and documents those headers."""
import datetime as dt

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.api.deprecation import Deprecation
from apps.helpdesk.api.views import TicketViewSet
from apps.helpdesk.models import SLAPolicy

POLICIES = "/api/v1/helpdesk/sla-policies"
SINCE, SUNSET = dt.date(2026, 12, 1), dt.date(2027, 6, 30)


@pytest.fixture(autouse=True)
def alias_dates(settings):
    settings.API_ALIASES_DEPRECATED_SINCE, settings.API_ALIASES_SUNSET = SINCE, SUNSET


@pytest.mark.django_db
def test_a_body_alias_is_answered_with_deprecation_and_sunset(admin_a):
    with_alias = admin_a.post(POLICIES, {"name": "Gold", "priority": "high", "first_response_mins": 30,
                                         "resolution_minutes": 240}, format="json")
    assert with_alias.status_code == 201, with_alias.content
    assert SLAPolicy.objects.get(pk=with_alias.json()["id"]).first_response_minutes == 30
    assert with_alias["Deprecation"] == "@1796083200"  # 2026-12-01T00:00:00Z
    assert with_alias["Sunset"] == "Wed, 30 Jun 2027 00:00:00 GMT"
    assert 'rel="deprecation"' in with_alias["Link"] and "`first_response_minutes` for `first_response_mins`" in with_alias["Link"]

    canonical = admin_a.post(POLICIES, {"name": "Silver", "priority": "low", "first_response_minutes": 30,
                                        "resolution_minutes": 240}, format="json")
    assert canonical.status_code == 201
    assert not canonical.has_header("Deprecation") and not canonical.has_header("Sunset")


@pytest.mark.django_db
def test_a_query_alias_is_answered_with_deprecation(admin_a):
    listed = admin_a.get(POLICIES, {"resolution_mins": 240})
    assert listed.status_code == 200, listed.content
    assert listed["Deprecation"] == "@1796083200" and listed.has_header("Sunset")
    assert not admin_a.get(POLICIES, {"resolution_minutes": 240}).has_header("Deprecation")


@pytest.mark.django_db
def test_a_deprecated_operation_says_so_in_its_answers_and_the_schema(admin_a, monkeypatch):
    retired = Deprecation(since=dt.date(2026, 11, 1), sunset=None, use_instead="helpdesk.tickets.list")
    monkeypatch.setattr(TicketViewSet, "deprecated_actions", {"retrieve": retired})
    ticket = admin_a.post("/api/v1/helpdesk/tickets", {"title": "Printer jammed"}, format="json").json()
    read = admin_a.get(f"/api/v1/helpdesk/tickets/{ticket['id']}")
    assert read.status_code == 200 and read["Deprecation"] == "@1793491200" and not read.has_header("Sunset")
    assert not admin_a.get("/api/v1/helpdesk/tickets").has_header("Deprecation")

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    get = paths["/api/v1/helpdesk/tickets/{id}"]["get"]
    assert get["deprecated"] is True and "use helpdesk.tickets.list" in get["description"]
    assert get["responses"]["200"]["headers"]["Sunset"] == {"$ref": "#/components/headers/Sunset"}
    assert "deprecated" not in paths["/api/v1/helpdesk/tickets"]["get"]


def test_the_schema_documents_the_headers_where_aliases_are_accepted():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert set(schema["components"]["headers"]) >= {"Deprecation", "Sunset"}
    create = schema["paths"][POLICIES]["post"]["responses"]["201"]["headers"]
    assert create["Deprecation"] == {"$ref": "#/components/headers/Deprecation"}
    assert "Deprecation" not in schema["paths"]["/api/v1/helpdesk/tickets"]["post"]["responses"]["201"].get("headers", {})
