"""The demo as `make run` seeds it: the member asks for Team chat · Chat admins, the approver approves once,
and the grant lands in the second tenant's /scim/v2 (served live on 127.0.0.1), read back before the request
shows as provisioned. Seeded again on another address, the connector follows SITE_URL. No seeded
connector names a host outside this machine or `.invalid`."""
import io
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from apps.approvals.models import ApprovalStep
from apps.directory.models import Group, Person
from apps.integration.catalog_models import Entitlement
from apps.integration.models import Connector
from apps.operations.models import AccessRequest

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(live_server, transactional_db, settings):
    settings.SITE_URL = live_server.url
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("seed_demo", stdout=io.StringIO())
    return live_server


def test_one_approval_lands_the_grant_in_the_demo_scim_target(demo, caller, settings):
    chat = Entitlement.objects.get(tenant_id="acme", name="Chat admins")
    filed = caller("acme", "per_acme_member").post("/api/v1/operations/access-requests", {
        "entitlement_id": chat.pk, "access_type": "new", "justification": "The support rota"}, format="json")
    assert filed.status_code == 201, filed.content
    step = ApprovalStep.objects.get(approval_request__entity_id=filed.json()["id"])  # one step: the approver's
    assert step.approver_id == "per_acme_approver"

    approved = caller("acme", "per_acme_approver", ("approver",)).post(
        f"/api/v1/approvals/steps/{step.pk}/approve", {"comment": "OK"}, format="json")
    assert approved.status_code == 200, approved.content

    request = AccessRequest.objects.get(pk=filed.json()["id"])
    assert request.status == "provisioned", request.provisioning_error
    assert request.granted_by_id == chat.system.connector_id
    member = Person.objects.get(tenant_id="acme", pk="per_acme_member")
    target = Group.objects.get(tenant_id="globex", pk=chat.target_ref)
    assert list(target.members.values_list("user_name", flat=True)) == [member.user_name]

    settings.SITE_URL = "http://127.0.0.1:8001"  # `make run PORT=8001` on the same database
    call_command("seed_demo", stdout=io.StringIO())
    connector = Connector.objects.get(pk=chat.system.connector_id)
    assert connector.config["base_url"] == "http://127.0.0.1:8001/scim/v2"

    for connector in Connector.objects.all():  # nothing seeded reaches beyond this machine
        for value in (connector.config or {}).values():
            if isinstance(value, str) and "://" in value:
                host = urlsplit(value).hostname or ""
                assert host in ("127.0.0.1", "localhost") or host.endswith(".invalid"), f"{connector.name}: {value}"
