"""Approval chains naming a group (any active member who is not a party decides) or the requester's
manager, through the API and the sweep; delegation only to active directory people; an admin hands
on a step nobody can decide any more."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.approvals.models import ApprovalRequest, ApprovalStep
from apps.directory.services import directory_settings_set, person_deactivate
from apps.directory.models import Person
from apps.core.principal import Principal
from apps.notifications.engine import run_pass
from apps.operations.models import Pending
from tests.factories import ApprovalChainFactory, GroupFactory, PersonFactory, StaffMembershipFactory
from tests.notifications.conftest import smtp  # noqa: F401 (fixture: a real SMTP server)

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/approvals/requests"
STEPS = "/api/v1/approvals/steps"
ADMIN = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))


def person(pid, tenant="acme", **fields):
    return PersonFactory(id=pid, tenant_id=tenant, email=f"{pid.removeprefix('per_')}@{tenant}.test", **fields)


def staff(pid, roles, tenant="acme"):
    return StaffMembershipFactory(tenant__id=tenant, person_id=pid, user__username=pid, roles=roles)


@pytest.fixture
def org(caller):
    """A requester with a manager, a team of three (one of them the requester), people of globex."""
    boss, ann, bob, _cat = (person(p) for p in ("per_boss", "per_ann", "per_bob", "per_cat"))
    for pid in ("per_boss", "per_ann", "per_bob", "per_cat"):
        staff(pid, ["admin"] if pid == "per_boss" else ["approver"])
    manager = person("per_mgr")
    requester = person("per_req", manager=manager)
    team = GroupFactory(tenant_id="acme", display_name="Finance", members=[ann, bob, requester])
    foreign = GroupFactory(tenant_id="globex", display_name="Globex finance", members=[person("per_gx", "globex")])
    return {"team": team, "foreign": foreign, "requester": requester, "manager": manager, "boss": boss,
            "call": lambda pid, roles=(): caller("acme", pid, roles)}


def create(org, approvers, who="per_req", **extra):
    body = {"title": "New laptop", "entity_type": "PurchaseOrder", "approver_ids": approvers, **extra}
    return org["call"](who).post(REQUESTS, body, format="json")


def submit(org, request_id, who="per_req"):
    response = org["call"](who).post(f"{REQUESTS}/{request_id}/submit", format="json")
    assert response.status_code == 200, response.content
    return response.json()


def steps_of(request_id):
    return list(ApprovalStep.objects.filter(approval_request_id=request_id).order_by("step_index"))


def queued(step):
    return sorted(Pending.objects.filter(source_id=step.pk, status="queued").values_list("assignee_id", flat=True))


def errors_of(response):
    return {e["field"]: e["message"] for e in response.json().get("errors", [])}


def test_a_group_step_is_decided_by_any_active_member_who_is_not_a_party(org):
    made = create(org, [org["team"].pk, "per_cat"])
    assert made.status_code == 201, made.content
    submit(org, made.json()["id"])
    first, second = steps_of(made.json()["id"])
    assert (first.approver_id, first.approver_group_id, second.approver_id) == ("", org["team"].pk, "per_cat")
    assert queued(first) == ["per_ann", "per_bob"]  # the requester is in the group, but no decider

    api_step = org["call"]("per_ann").get(f"{STEPS}/{first.pk}")  # ann (a member) sees it without a role
    assert api_step.status_code == 200 and api_step.json()["approver_group_id"] == org["team"].pk
    assert org["call"]("per_ann").get(f"{REQUESTS}/{made.json()['id']}").status_code == 200
    assert org["call"]("per_dan").get(f"{STEPS}/{first.pk}").status_code == 404  # not a member

    refused = org["call"]("per_req").post(f"{STEPS}/{first.pk}/approve", format="json")
    assert refused.status_code == 403 and "Segregation of duties" in refused.json()["detail"]
    outsider = org["call"]("per_cat", ("approver",)).post(f"{STEPS}/{first.pk}/approve", format="json")
    assert outsider.status_code == 403 and "member of this step's group" in outsider.json()["detail"]

    decided = org["call"]("per_bob").post(f"{STEPS}/{first.pk}/approve", {"comment": "ok"}, format="json")
    assert decided.status_code == 200, decided.content
    first.refresh_from_db()
    assert (first.status, first.approver_id, first.approver_group_id) == ("approved", "per_bob", org["team"].pk)
    assert queued(first) == []  # every member's item is done
    assert ApprovalRequest.objects.get(pk=made.json()["id"]).current_step_index == 1
    again = org["call"]("per_ann").post(f"{STEPS}/{first.pk}/reject", {"comment": "late"}, format="json")
    assert again.status_code == 409


def test_an_inactive_member_neither_decides_nor_is_queued(org):
    person_deactivate(actor=ADMIN, obj=Person.objects.get(pk="per_bob"))
    made = create(org, [org["team"].pk])
    submit(org, made.json()["id"])
    (step,) = steps_of(made.json()["id"])
    assert queued(step) == ["per_ann"]
    gone = org["call"]("per_bob").post(f"{STEPS}/{step.pk}/approve", format="json")
    assert gone.status_code == 401  # a deactivated person's token is refused before anything else


def test_the_requesters_manager_is_resolved_when_the_request_is_made(org):
    made = create(org, ["manager", "per_ann"])
    assert made.status_code == 201, made.content
    assert [s.approver_id for s in steps_of(made.json()["id"])] == ["per_mgr", "per_ann"]
    # a later change of manager does not move the open step
    Person.objects.filter(pk="per_req").update(manager=Person.objects.get(pk="per_cat"))
    assert steps_of(made.json()["id"])[0].approver_id == "per_mgr"
    # named as a person as well: one step, where the list names them
    twice = create(org, ["per_cat", "manager"])
    assert [s.approver_id for s in steps_of(twice.json()["id"])] == ["per_cat"]


@pytest.mark.parametrize("case", ["no manager", "inactive manager", "not in the directory"])
def test_no_active_manager_is_a_400_naming_approver_ids(org, case):
    who = "per_req"
    if case == "no manager":
        Person.objects.filter(pk="per_req").update(manager=None)
    elif case == "inactive manager":
        person_deactivate(actor=ADMIN, obj=org["manager"])
    else:
        who = "per_stranger"
    before = ApprovalRequest.objects.count()
    response = create(org, ["manager"], who=who)
    assert response.status_code == 400, response.content
    assert "no active manager" in errors_of(response)["approver_ids"]
    assert ApprovalRequest.objects.count() == before


def test_a_manager_who_is_a_party_cannot_approve(org):
    staff("per_mgr", ["approver"])
    # the manager files it on the requester's behalf: they created it, so they may not decide it
    response = org["call"]("per_mgr", ("approver",)).post(REQUESTS, {
        "title": "On behalf", "requested_by_id": "per_req", "approver_ids": ["manager"]}, format="json")
    assert response.status_code == 400
    assert "is a party to the request" in errors_of(response)["approver_ids"]


def test_groups_of_another_tenant_unknown_or_without_deciders_are_refused(org):
    foreign = create(org, [org["foreign"].pk])
    assert foreign.status_code == 400 and "Not a group of this tenant" in errors_of(foreign)["approver_ids"]
    assert create(org, ["grp_nonexistent"]).status_code == 400
    alone = GroupFactory(tenant_id="acme", display_name="Just me", members=[org["requester"]])
    response = create(org, [alone.pk])
    assert response.status_code == 400 and "no active member who may decide" in errors_of(response)["approver_ids"]
    assert not ApprovalRequest.objects.exists()


def test_strict_mode_accepts_groups_and_the_manager_and_refuses_unknown_groups(org):
    directory_settings_set(actor=ADMIN, strict=True)
    assert create(org, [org["team"].pk, "manager"]).status_code == 201
    refused = create(org, [org["foreign"].pk])
    assert refused.status_code == 400 and "is not a group of this tenant's directory" in errors_of(refused)["approver_ids"]


def test_a_chain_naming_a_group_and_the_manager_opens_for_a_record(org, caller):
    ApprovalChainFactory(tenant_id="acme", name="Access", entity_type="AccessRequest",
                         approver_ids=["manager", org["team"].pk])
    response = caller("acme", "per_req").post("/api/v1/operations/access-requests", {
        "system_id": "github", "access_type": "new", "entitlement_type": "read", "justification": "Reviews"},
        format="json")
    assert response.status_code == 201, response.content
    request = ApprovalRequest.objects.get(entity_id=response.json()["id"])
    first, second = steps_of(request.pk)
    assert (first.approver_id, first.status, second.approver_group_id) == ("per_mgr", "pending", org["team"].pk)


def test_delegation_only_to_active_directory_people_who_may_act(org):
    made = create(org, ["per_ann"])
    submit(org, made.json()["id"])
    (step,) = steps_of(made.json()["id"])
    ann = org["call"]("per_ann", ("approver",))
    staff("per_nodir", ["approver"])  # a staff login the tenant's directory does not list
    person_deactivate(actor=ADMIN, obj=Person.objects.get(pk="per_cat"))
    for target, message in (("per_cat", "not an approver of this tenant"),
                            ("per_nodir", "not an active person of this tenant's directory"),
                            ("per_req", "parties to the request")):
        response = ann.post(f"{STEPS}/{step.pk}/delegate", {"delegated_to_id": target}, format="json")
        assert response.status_code == 400, (target, response.content)
        assert message in errors_of(response)["delegated_to_id"], target
    step.refresh_from_db()
    assert (step.status, step.delegated_to_id) == ("pending", None)
    assert ann.post(f"{STEPS}/{step.pk}/delegate", {"delegated_to_id": "per_bob"}, format="json").status_code == 200


def test_an_admin_reassigns_a_step_whose_decider_left(org):
    made = create(org, ["per_ann"])
    submit(org, made.json()["id"])
    (step,) = steps_of(made.json()["id"])
    body = {"delegated_to_id": "per_bob"}
    boss = org["call"]("per_boss", ("admin",))
    assert boss.post(f"{STEPS}/{step.pk}/delegate", body, format="json").status_code == 403  # ann still decides
    person_deactivate(actor=ADMIN, obj=Person.objects.get(pk="per_ann"))
    assert step.needs_reassignment()
    cat = org["call"]("per_cat", ("approver",))
    assert cat.post(f"{STEPS}/{step.pk}/delegate", body, format="json").status_code == 403  # not an admin
    moved = boss.post(f"{STEPS}/{step.pk}/delegate", body, format="json")
    assert moved.status_code == 200, moved.content
    step.refresh_from_db()
    assert (step.decider_id, step.needs_reassignment(), queued(step)) == ("per_bob", False, ["per_bob"])


def test_group_members_hear_of_the_step_and_of_the_sweeps_reminder(org, smtp):  # noqa: F811
    made = create(org, [org["team"].pk], due_at=(timezone.now() + timedelta(minutes=30)).isoformat())
    submit(org, made.json()["id"])
    run_pass()
    asked = sorted(address for m in smtp.messages for address in m.rcpt_tos)
    assert asked == ["ann@acme.test", "bob@acme.test"]  # not the requester, though in the group
    out = StringIO()
    call_command("approvals_sweep", "--remind-within", "60", stdout=out)
    assert "reminded 1" in out.getvalue()
    run_pass()
    reminded = sorted(a for m in smtp.messages[2:] for a in m.rcpt_tos)
    assert reminded == ["ann@acme.test", "bob@acme.test"]
    assert all("remind" in m.subject.lower() or "due" in m.subject.lower() for m in smtp.messages[2:])


def test_the_sweep_expires_an_overdue_group_step(org):
    made = create(org, [org["team"].pk], due_at=(timezone.now() + timedelta(minutes=1)).isoformat())
    submit(org, made.json()["id"])
    ApprovalRequest.objects.filter(pk=made.json()["id"]).update(due_at=timezone.now() - timedelta(minutes=1))
    call_command("approvals_sweep", stdout=StringIO())
    (step,) = steps_of(made.json()["id"])
    assert (step.status, queued(step)) == ("skipped", [])


def test_a_group_members_email_link_offers_the_decision_and_an_outsiders_does_not(org, client):
    from apps.notifications.links import DecisionLink, decision_url

    made = create(org, [org["team"].pk])
    submit(org, made.json()["id"])
    step = steps_of(made.json()["id"])[0]
    member = client.get(decision_url(DecisionLink(tenant_id="acme", person_id="per_ann", step_id=step.pk, token_id="t1")))
    assert member.status_code == 200 and b"no longer yours" not in member.content
    assert b'name="decision"' in member.content
    outsider = client.get(decision_url(DecisionLink(tenant_id="acme", person_id="per_dan", step_id=step.pk, token_id="t2")))
    assert b"no longer yours" in outsider.content
    step.refresh_from_db()
    assert step.status == "pending"
