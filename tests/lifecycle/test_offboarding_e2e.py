"""A leaver end to end: an Okta-shaped SCIM `active=false` opens one case that revokes three grants in
two real targets (SCIM server, slapd), confirmed by read-back; opens a laptop return; re-routes the
leaver's pending approval step to their manager; closes only when the laptop is back; and attaches an
evidence report whose rows match the targets' state."""
import csv
import io

import pytest

from apps.approvals.services import approval_request_create, approval_request_submit
from apps.core.principal import Principal
from apps.files.services import file_storage
from apps.lifecycle.models import OffboardingCase
from apps.operations.actions import equipment_return
from apps.operations.models import Pending
from tests.directory.conftest import ScimClient, new_token
from tests.factories import EquipmentFactory, PersonFactory

from .conftest import attachments_of

pytestmark = pytest.mark.django_db(transaction=False)
OKTA_DEACTIVATE = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "replace", "value": {"active": False}}]}


def pending_step_of(alice):
    """bob's laptop request waits on alice's decision."""
    bob = PersonFactory(id="per_bob", tenant_id="acme", user_name="bob@acme.invalid")
    laptop = EquipmentFactory(tenant_id="acme", requester_id=bob.pk, created_by=bob.pk)
    bob_acts = Principal(person_id=bob.pk, tenant_id="acme")
    request = approval_request_create(actor=bob_acts, data={
        "entity_type": "Equipment", "entity_id": laptop.pk, "title": "Laptop for Bob", "approver_ids": [alice.pk]})
    request = approval_request_submit(actor=bob_acts, approval_request=request)
    return request.steps.get()


def test_scim_deactivation_offboards_with_proof(world, immediate_tasks, django_capture_on_commit_callbacks):
    alice, scim, tree = world["alice"], world["scim"], world["tree"]
    step = pending_step_of(alice)
    assert step.status == "pending" and step.approver_id == alice.pk
    okta = ScimClient(new_token("acme", "Okta"))

    with django_capture_on_commit_callbacks(execute=True):
        response = okta.patch(f"/Users/{alice.pk}", OKTA_DEACTIVATE)
    assert response.status_code == 200, response.content

    case = OffboardingCase.objects.get(person_id=alice.pk)
    assert (case.trigger, case.status) == ("scim", "open")
    items = {(i.kind, i.subject_id): i for i in case.items.all()}
    # three grants gone from both targets, each confirmed by reading the target back
    for key in ("chat-admins", "chat-users"):
        assert "alice@acme.invalid" not in scim.member_names(world["groups"][key])
    assert tree.user_dn("alice") not in tree.members("engineering")
    for key, granted in world["grants"].items():
        granted.refresh_from_db()
        assert granted.status == "completed"
        item = items[("revoke_access", granted.pk)]
        assert item.status == "done" and "absent on read-back" in item.confirmation
    # the pending step now waits on the manager, and alice's decision left her queue
    step.refresh_from_db()
    assert (step.status, step.delegated_to_id) == ("delegated", world["mia"]), [(i.status, i.last_error) for i in items.values()]
    assert items[("reroute_step", step.pk)].status == "done"
    assert Pending.objects.filter(type="approval", source_id=step.pk, assignee_id=world["mia"]).exists()
    # a laptop return is open: the case waits for it
    laptop = world["laptop"]
    assert items[("return_equipment", laptop.pk)].status == "pending"
    task = Pending.objects.get(type="equipment_return", source_id=laptop.pk)
    assert task.status == "queued" and "Collect laptop" in task.title
    assert not attachments_of(case)

    it = Principal(person_id="per_ivy", tenant_id="acme", roles=frozenset({"it"}))
    with django_capture_on_commit_callbacks(execute=True):
        equipment_return(actor=it, equipment=laptop)
    case.refresh_from_db()
    task.refresh_from_db()
    assert case.status == "closed" and case.evidence_attached_at and task.status == "completed"
    report_csv, report_pdf = attachments_of(case)
    assert (report_csv.filename.endswith(".csv"), report_pdf.content_type) == (True, "application/pdf")
    with file_storage().open(report_csv.storage_name, "rb") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode())))
    revokes = [r for r in rows if r["Kind"] == "revoke access"]
    assert sorted(r["What was held"] for r in revokes) == ["Chat · Admins", "Chat · Users", "Directory · Engineering"]
    # each row says done, and the target agrees: nobody named alice holds it any more
    for row in revokes:
        assert row["State"] == "Done" and row["Target's confirmation"].endswith("absent on read-back")
    held_now = {"Chat · Admins": "alice@acme.invalid" in scim.member_names(world["groups"]["chat-admins"]),
                "Chat · Users": "alice@acme.invalid" in scim.member_names(world["groups"]["chat-users"]),
                "Directory · Engineering": tree.user_dn("alice") in tree.members("engineering")}
    assert held_now == {r["What was held"]: False for r in revokes}
    laptop_row = next(r for r in rows if r["Kind"] == "return equipment")
    assert laptop_row["State"] == "Done" and "per_ivy" in laptop_row["By"] or "Ivy" in laptop_row["By"]
