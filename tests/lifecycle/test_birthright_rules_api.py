"""Birthright rules over the API: an entitlement or group id that names nothing of the tenant is a 400."""
import pytest

from apps.lifecycle.models import BirthrightRule
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    TenantIsolationTests,
)

pytestmark = pytest.mark.django_db


class TestBirthrightRuleResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests,
                                 StampTests):
    model = BirthrightRule


@pytest.mark.parametrize("body", [
    {"department": "Sales", "entitlement_id": "ent_nothing"},
    {"group_id": "grp_nothing", "entitlement_id": "ent_nothing"},
])
def test_a_rule_naming_nothing_is_a_400_and_saves_nothing(admin_a, body):
    response = admin_a.post("/api/v1/lifecycle/birthright-rules", body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert not BirthrightRule.all_objects.exists()
