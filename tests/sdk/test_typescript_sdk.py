"""The official TypeScript SDK (clients/typescript) against a live server.

tests/sdk/drive.mts is written the way the resource pages show the SDK (`client.operations.
accessRequests.approve(id, { comment })`); it is compiled with `tsc --strict` (with types.mts, whose
`@ts-expect-error` lines prove the types refuse what the server refuses) and run with Node against
pytest-django's live_server (as the browser tests are served) on the test database. Every resource is
created, listed, read, updated with If-Match, taken through each transition and deleted where the API
deletes; the database is then checked for each of those changes.
"""
import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from django.contrib.auth.models import User

from apps.approvals.models import ApprovalRequest, ApprovalStep
from apps.core.models import StaffMembership, Tenant
from apps.helpdesk.models import SLAPolicy, Ticket, TicketComment
from apps.integration.models import Application, Connector, IntegrationApiKey, Webhook
from apps.integration.webhook_headers import MASK
from apps.operations.models import AccessRequest, Equipment, HRRequest, Pending, Travel
from apps.policies.models import Policy, PolicyAcknowledgement
from tests.conftest import make_token

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "clients" / "typescript"
TSC = SDK / "node_modules" / ".bin" / "tsc"
HERE = Path(__file__).resolve().parent

# `make test` runs `make sdk-check` (npm ci) first and sets SDK_TEST_REQUIRED=1, so CI never skips this.
_missing = ("node is not installed" if shutil.which("node") is None
            else "clients/typescript/node_modules is missing (run `make sdk-check`)" if not TSC.exists() else None)
if _missing and os.environ.get("SDK_TEST_REQUIRED") == "1":
    raise RuntimeError(f"SDK test required but {_missing}")
pytestmark = [pytest.mark.skipif(_missing is not None, reason=_missing or ""), pytest.mark.slow]

ADMIN, REQUESTER, DELEGATE = "per_sdk_admin", "per_sdk_requester", "per_sdk_delegate"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sdk")
    result = subprocess.run([str(TSC), "-p", str(HERE / "tsconfig.json"), "--outDir", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (out / "package.json").write_text('{"type": "module"}')
    return out / "tests" / "sdk" / "drive.mjs"


def test_every_resource_through_the_sdk(compiled, live_server, transactional_db, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the webhook points back at the (disabled) test server
    base_url = live_server.url.replace("://localhost:", "://127.0.0.1:")
    # A step is delegated to a person of the tenant's directory who may decide.
    tenant, _ = Tenant.objects.get_or_create(id="acme", defaults={"name": "Acme"})
    StaffMembership.objects.create(user=User.objects.create_user("sdk-delegate", is_staff=True), tenant=tenant,
                                   person_id=DELEGATE, roles=["approver"])
    env = {
        **os.environ,
        "SDK_BASE_URL": base_url,
        "SDK_HOOK_URL": f"{base_url}/sdk-test-hook",
        "SDK_ADMIN_ID": ADMIN, "SDK_REQUESTER_ID": REQUESTER, "SDK_DELEGATE_ID": DELEGATE,
        "SDK_ADMIN_TOKEN": make_token(tenant="acme", sub=ADMIN, roles=("admin",), ttl=900),
        "SDK_REQUESTER_TOKEN": make_token(tenant="acme", sub=REQUESTER, ttl=900),
        "SDK_DELEGATE_TOKEN": make_token(tenant="acme", sub=DELEGATE, roles=("approver",), ttl=900),
    }
    result = subprocess.run(["node", str(compiled)], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    done = json.loads(result.stdout.strip().splitlines()[-1])

    ops = done["operations"]
    access = AccessRequest.objects.get(pk=ops["access"])
    assert (access.status, access.tenant_id, access.approver_id) == ("completed", "acme", ADMIN)
    assert access.justification == "Ship the SDK, reviewed" and access.expires_at is not None
    assert AccessRequest.objects.get(pk=ops["accessRejected"]).status == "rejected"
    letter = HRRequest.objects.get(pk=ops["letter"])
    assert (letter.status, letter.deliverable_url) == ("completed", "https://files.acme.invalid/letter.pdf")
    assert HRRequest.objects.get(pk=ops["letterRejected"]).status == "rejected"
    assert Pending.objects.get(pk=ops["pending"]).status == "completed"
    laptop = Equipment.objects.get(pk=ops["laptop"])
    assert (laptop.status, laptop.cost, laptop.specification) == ("returned", Decimal("1299.50"), "14 inch, 32 GB")
    trip = Travel.objects.get(pk=ops["trip"])
    assert (trip.status, trip.actual_cost, trip.destination) == ("completed", Decimal("812.25"), "Berlin (TXL)")
    assert Travel.objects.get(pk=ops["tripCancelled"]).status == "cancelled"
    for model, key in ((AccessRequest, "accessDeleted"), (HRRequest, "letterDeleted"), (Pending, "pendingDeleted"),
                       (Equipment, "laptopDeleted"), (Travel, "tripDeleted")):
        assert model.all_objects.get(pk=ops[key]).is_deleted, key

    appr = done["approvals"]
    assert ApprovalRequest.objects.get(pk=appr["approved"]).status == "approved"
    assert ApprovalStep.objects.get(pk=appr["approvedStep"]).status == "approved"
    assert ApprovalRequest.objects.get(pk=appr["rejected"]).status == "rejected"
    rejected_step = ApprovalStep.objects.get(pk=appr["rejectedStep"])
    assert (rejected_step.status, rejected_step.delegated_to_id) == ("rejected", DELEGATE)
    assert ApprovalRequest.objects.get(pk=appr["cancelled"]).status == "cancelled"

    desk = done["helpdesk"]
    assert SLAPolicy.objects.get(pk=desk["slaPolicy"]).resolution_minutes == 180
    ticket = Ticket.objects.get(pk=desk["ticket"])
    assert (ticket.status, ticket.description, ticket.tags) == ("closed", "Since Monday", ["vpn"])
    comment = TicketComment.objects.get(pk=desk["comment"])
    assert (comment.tags, comment.source, comment.ticket_id) == (["triage"], "sdk", ticket.pk)

    integ = done["integration"]
    assert Application.objects.get(pk=integ["application"]).description == "Created by the SDK test"
    assert Connector.all_objects.get(pk=integ["connector"]).is_deleted
    assert IntegrationApiKey.objects.get(pk=integ["rotated"]).status == "revoked"
    assert IntegrationApiKey.objects.get(pk=integ["key"]).rotated_from_key_id is None
    assert IntegrationApiKey.objects.filter(rotated_from_key_id=integ["key"], pk=integ["rotated"]).exists()
    hook = Webhook.all_objects.get(pk=integ["webhook"])
    assert hook.is_deleted and hook.headers == {"X-Team": MASK}  # the value lives in the secret store

    policy = Policy.objects.get(pk=done["policies"]["policy"])
    assert policy.status == "retired" and policy.body == "Work from anywhere in the EU."
    assert PolicyAcknowledgement.objects.filter(policy=policy, person_id=ADMIN).count() == 1
