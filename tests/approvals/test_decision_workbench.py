"""The decision workbench: inbox rows say what is decided; after a decision the next waiting item
opens; a record an approval decides says which step it waits for and on whom, and its own
Approve/Reject decide that step for someone who may (no "is deciding this record" dead-end) and
are not shown to anyone else; a record without one says which move it waits for and on whom."""
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.approvals.models import ApprovalStep
from apps.core.principal import Principal
from apps.operations.models import AccessRequest, Equipment
from apps.operations.services import access_request_create
from tests.factories import ApprovalChainFactory, EquipmentFactory, PersonFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db
MEMBER = Principal(person_id="per_member", tenant_id="acme")


def staff(username: str, roles: list[str], **names) -> User:
    """A staff login who is also a person of the tenant's directory."""
    PersonFactory(tenant_id="acme", id=f"per_{username}", given_name=names["first_name"],
                  family_name=names["last_name"], display_name=f"{names['first_name']} {names['last_name']}",
                  email=names["email"], user_name=username)
    return StaffMembershipFactory(tenant__id="acme", tenant__name="Acme", user__username=username,
                                  user__password="pw-123456", person_id=f"per_{username}", roles=roles,
                                  **{f"user__{k}": v for k, v in names.items()}).user


@pytest.fixture
def team(db):
    PersonFactory(tenant_id="acme", id="per_member", given_name="Max", family_name="Mustermann",
                  display_name="Max Mustermann", email="max@acme.example", user_name="max")
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_approver", "per_boss"],
                         due_in_hours=72)
    return {"approver": staff("approver", ["approver"], first_name="Ada", last_name="Lovelace",
                              email="ada@acme.example"),
            "boss": staff("boss", ["admin"], first_name="Bea", last_name="Boss", email="bea@acme.example"),
            "it": staff("it", ["it"], first_name="Ian", last_name="Tech", email="ian@acme.example")}


def file_access(system: str = "github", why: str = "Release duty this quarter.") -> AccessRequest:
    return access_request_create(actor=MEMBER, data={"requester_id": "per_member", "system_id": system,
                                                     "access_type": "new", "entitlement_type": "write",
                                                     "justification": why})


def step_of(access, index=0) -> ApprovalStep:
    return ApprovalStep.objects.get(approval_request__entity_id=access.pk, step_index=index)


def record_url(obj) -> str:
    return reverse(f"admin:operations_{obj._meta.model_name}_change", args=[obj.pk])


def test_an_inbox_row_says_what_is_decided(client, team):
    file_access(why="On-call dashboards for the payments team.")
    client.force_login(team["approver"])
    rows = client.get(reverse("admin:index")).context["my_approvals"]
    (row,) = rows
    assert row["title"] == "Access request: Github · write — Max Mustermann"
    assert row["requester"] == "Max Mustermann <max@acme.example>"
    assert row["excerpt"] == "On-call dashboards for the payments team."
    assert row["due"] is not None and row["step_of"] == "step 1 of 2"
    html = client.get(reverse("admin:index")).content.decode()
    assert "Requested by Max Mustermann" in html and "On-call dashboards for the payments team." in html
    steps = client.get(reverse("admin:approvals_approvalstep_changelist"), {"mine": "open"}).content.decode()
    assert "Access request: Github · write — Max Mustermann" in steps and "On-call dashboards" in steps


def test_the_inbox_costs_the_same_queries_for_more_rows(client, team):
    client.force_login(team["approver"])
    file_access()
    client.get(reverse("admin:index"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:index"))
    for n in range(4):
        file_access(system=f"system-{n}")
    with CaptureQueriesContext(connection) as more:
        page = client.get(reverse("admin:index"))
    assert len(page.context["my_approvals"]) == 5
    assert len(more) == len(few)
    with CaptureQueriesContext(connection) as listed:
        client.get(reverse("admin:approvals_approvalstep_changelist"), {"mine": "open"})
    file_access(system="one-more")
    with CaptureQueriesContext(connection) as listed_more:
        client.get(reverse("admin:approvals_approvalstep_changelist"), {"mine": "open"})
    assert len(listed_more) == len(listed)


def test_after_a_decision_the_next_waiting_item_opens(client, team):
    first, second = file_access(), file_access(system="aws")
    client.force_login(team["approver"])
    decided = client.post(reverse("admin:approvals_approvalstep_transition", args=[step_of(first).pk, "approve"]))
    assert decided.status_code == 302 and decided["Location"] == reverse(
        "admin:approvals_approvalstep_change", args=[step_of(second).pk])
    last = client.post(reverse("admin:approvals_approvalstep_transition", args=[step_of(second).pk, "reject"]),
                       {"comment": "Not needed"})
    assert last["Location"] == reverse("admin:approvals_approvalstep_changelist") + "?mine=open"
    assert AccessRequest.objects.get(pk=second.pk).status == "rejected"


def test_the_record_says_which_step_it_waits_for_and_its_buttons_decide_that_step(client, team):
    access = file_access()
    step = step_of(access)
    client.force_login(team["approver"])
    page = client.get(record_url(access))
    waiting = page.context["waiting"]
    assert waiting.text == "Waiting for step 1 of 2 — Ada Lovelace <ada@acme.example>"
    assert waiting.url == reverse("admin:approvals_approvalstep_change", args=[step.pk])
    assert 'data-testid="waiting-for-link"' in page.content.decode()
    buttons = {t["name"]: t.get("url") for t in page.context["fsm_transitions"]}
    assert buttons == {"approve": reverse("admin:approvals_approvalstep_transition", args=[step.pk, "approve"]),
                       "reject": reverse("admin:approvals_approvalstep_transition", args=[step.pk, "reject"])}
    client.post(buttons["approve"], {"comment": "Fine"})
    step.refresh_from_db()
    assert step.status == "approved"  # decided, no "Approval request … is deciding this record"
    assert client.get(record_url(access)).context["waiting"].text == "Waiting for step 2 of 2 — Bea Boss <bea@acme.example>"


def test_someone_who_cannot_decide_sees_no_decision_buttons_but_whom_it_waits_for(client, team):
    access = file_access()
    client.force_login(team["it"])
    page = client.get(record_url(access))
    assert page.context["fsm_transitions"] == []
    assert page.context["waiting"].text.startswith("Waiting for step 1 of 2 — Ada Lovelace")


def test_a_requested_laptop_tells_it_what_it_waits_for_and_what_comes_next(client, team):
    laptop = EquipmentFactory(tenant_id="acme", requester_id="per_member", equipment_type="Laptop 14in")
    client.force_login(team["it"])
    page = client.get(record_url(laptop))
    text = page.context["waiting"].text
    assert text.startswith("Waiting for “Approve” — Ada Lovelace <ada@acme.example> (approver)")
    assert text.endswith("then “Provision” (it)")
    Equipment.objects.filter(pk=laptop.pk).update(status="approved")
    page = client.get(record_url(laptop))
    assert [t["name"] for t in page.context["fsm_transitions"]] == ["provision"]  # IT's button
