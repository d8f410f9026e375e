"""Who sees and resolves drift findings: IT, admins and the entitlement's owner, in their tenant only
(another tenant's finding, or one a person does not own, is a 404 in the admin and the API)."""
import pytest

from apps.integration.drift_models import DriftFinding
from tests.factories import PersonFactory, StaffMembershipFactory
from tests.factories.drift import DriftFindingFactory
from tests.resource_tests import QueryCountTests, RenderingTests, StampTests, StateMachineTests, TenantIsolationTests

pytestmark = pytest.mark.django_db


class TestDriftFindingResource(TenantIsolationTests, QueryCountTests, StateMachineTests, RenderingTests, StampTests):
    model = DriftFinding


def staff(pid: str, roles, tenant: str = "acme"):
    PersonFactory(id=pid, tenant_id=tenant, display_name=pid.removeprefix("per_").title())
    return StaffMembershipFactory(tenant__id=tenant, person_id=pid, user__username=pid, roles=roles).user


def change_url(finding) -> str:
    return f"/admin/integration/driftfinding/{finding.pk}/change/"


def transition_url(finding, name: str) -> str:
    return f"/admin/integration/driftfinding/{finding.pk}/transition/{name}/"


@pytest.fixture
def findings(db):
    users = {pid: staff(pid, roles) for pid, roles in (
        ("per_ivy", ["it"]), ("per_owen", ["approver"]), ("per_otto", ["approver"]))}
    users["per_gina"] = staff("per_gina", ["admin"], tenant="globex")
    return {"users": users,
            "mine": DriftFindingFactory(tenant_id="acme", owner_id="per_owen"),
            "foreign": DriftFindingFactory(tenant_id="globex")}


def test_the_owner_sees_and_dismisses_their_finding_in_the_admin(client, findings):
    finding = findings["mine"]
    client.force_login(findings["users"]["per_owen"])
    assert finding.user_name in client.get("/admin/integration/driftfinding/").content.decode()
    page = client.get(change_url(finding))
    assert page.status_code == 200 and "Dismiss" in page.content.decode()
    refused = client.post(transition_url(finding, "dismiss"), {})  # a reason is needed
    finding.refresh_from_db()
    assert refused.status_code == 302 and finding.status == "unmanaged"
    client.post(transition_url(finding, "dismiss"), {"comment": "A break-glass account, reviewed."})
    finding.refresh_from_db()
    assert finding.status == "dismissed" and finding.resolved_by_id == "per_owen"
    assert finding.resolution_note == "A break-glass account, reviewed."


def test_someone_elses_or_another_tenants_finding_is_a_404_in_the_admin(client, findings):
    client.force_login(findings["users"]["per_otto"])  # an approver, not the owner
    assert client.get(change_url(findings["mine"])).status_code == 404
    assert client.post(transition_url(findings["mine"], "dismiss"), {"comment": "x"}).status_code == 404
    client.force_login(findings["users"]["per_ivy"])  # IT of acme: theirs yes, globex's no
    assert client.get(change_url(findings["mine"])).status_code == 200
    assert client.get(change_url(findings["foreign"])).status_code == 404
    assert client.post(transition_url(findings["foreign"], "dismiss"), {"comment": "x"}).status_code == 404
    assert DriftFinding.objects.get(pk=findings["foreign"].pk).status == "unmanaged"
    assert client.get("/admin/integration/driftfinding/add/").status_code == 403  # made by a sync only


def test_the_api_scopes_findings_by_tenant_and_owner(caller, findings):
    base = "/api/v1/integration/drift-findings"
    it = caller("acme", "per_ivy", ("it",))
    assert [r["id"] for r in it.get(base).json()["results"]] == [findings["mine"].pk]
    assert it.get(f"{base}/{findings['foreign'].pk}").status_code == 404
    assert it.post(f"{base}/{findings['foreign'].pk}/dismiss", {"comment": "x"}, format="json").status_code == 404
    owner = caller("acme", "per_owen", ("approver",))
    assert owner.get(f"{base}/{findings['mine'].pk}").status_code == 200
    other = caller("acme", "per_otto", ("approver",))
    assert other.get(f"{base}/{findings['mine'].pk}").status_code == 404
    assert other.post(f"{base}/{findings['mine'].pk}/dismiss", {"comment": "x"}, format="json").status_code == 404
    done = owner.post(f"{base}/{findings['mine'].pk}/dismiss", {"comment": "Known."}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
