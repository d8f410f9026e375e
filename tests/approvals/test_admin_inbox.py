"""The approval inbox in the admin: what is approved, the chain's progress, deciding and delegating."""
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from apps.approvals.models import ApprovalRequest, ApprovalStep
from apps.approvals.services import approval_request_create, approval_request_submit
from apps.core.principal import Principal
from apps.operations.models import Pending
from apps.operations.services import access_request_create
from tests.factories import ApprovalChainFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db
MEMBER = Principal(person_id="per_member", tenant_id="acme")


def staff(username: str, roles: list[str], tenant: str = "acme", **names) -> User:
    return StaffMembershipFactory(tenant__id=tenant, tenant__name=tenant, user__username=username,
                                  user__password="pw-123456", **{f"user__{k}": v for k, v in names.items()},
                                  person_id=f"per_{username}", roles=roles).user


@pytest.fixture
def team(db):
    return {
        "approver": staff("approver", ["approver"], first_name="Ann", last_name="Approver", email="ann@acme.test"),
        "boss": staff("boss", ["admin"], first_name="Bea", last_name="Boss"),
        "second": staff("second", ["approver"], first_name="Sam"),
        "hr": staff("hr", ["hr"]),
        "member": staff("member", []),  # the requester is staff too: never offered as delegate
        "globex": staff("globex-approver", ["approver"], tenant="globex"),
    }


@pytest.fixture
def access(team):
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_approver", "per_boss"])
    return access_request_create(actor=MEMBER, data={
        "requester_id": "per_member", "system_id": "github", "access_type": "new", "entitlement_type": "maintainer",
        "justification": "Release duty this quarter."})


def first_step(access) -> ApprovalStep:
    return ApprovalStep.objects.get(approval_request__entity_id=access.pk, step_index=0)


def change_url(obj) -> str:
    return reverse(f"admin:approvals_{obj._meta.model_name}_change", args=[obj.pk])


def transition(step, name) -> str:
    return reverse("admin:approvals_approvalstep_transition", args=[step.pk, name])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_step_page_shows_the_request_its_target_and_the_chain(client, team, access):
    client.force_login(team["approver"])
    page = client.get(change_url(first_step(access)))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Step 1 of 2" in html and "Step 2 of 2" in html and "Step 0" not in html
    target = page.context["target"]
    assert target["record"].pk == access.pk
    assert target["url"] == reverse("admin:operations_accessrequest_change", args=[access.pk])
    assert ("Justification", "Release duty this quarter.") in target["summary"]
    assert ("System", "github") in target["summary"]
    assert not [label for label, value in target["summary"] if str(value).startswith("per_")]  # people by name
    assert 'data-testid="approval-target-link"' in html
    assert "Ann Approver &lt;ann@acme.test&gt;" in html and "Bea Boss" in html  # approvers by name
    buttons = sorted(t["name"] for t in page.context["fsm_transitions"])
    assert buttons == ["approve", "delegate", "reject"]


def test_the_delegate_picker_offers_only_people_who_may_decide(client, team, access):
    client.force_login(team["approver"])
    page = client.get(change_url(first_step(access)))
    delegate = next(t for t in page.context["fsm_transitions"] if t["name"] == "delegate")
    (field,) = delegate["fields"]
    assert field["name"] == "delegated_to_id"
    # approvers and admins of acme; not the decider (per_approver), not the requester, no hr, no globex,
    # and not per_boss, who decides step 2: nobody decides one request twice
    assert [value for value, _ in field["choices"]] == ["per_second"]
    assert '<select name="delegated_to_id"' in page.content.decode()


def test_approving_from_the_step_page_approves_the_chain_and_then_the_target(client, team, access):
    step = first_step(access)
    client.force_login(team["approver"])
    response = client.post(transition(step, "approve"), {"comment": "ok"}, follow=True)
    assert f"{step}: approve done." in messages_of(response)
    step.refresh_from_db()
    assert (step.status, step.decision, step.comment) == ("approved", "approved", "ok")
    second = ApprovalStep.objects.get(approval_request=step.approval_request, step_index=1)
    assert second.status == "pending"
    assert "Nothing else waits for you." in messages_of(response)  # the inbox opens: nothing else waits
    assert "Step 2 of 2" in client.get(change_url(step)).content.decode()

    client.force_login(team["boss"])
    client.post(transition(second, "approve"))
    access.refresh_from_db()
    assert access.status == "approved"
    assert ApprovalRequest.objects.get(pk=step.approval_request_id).status == "approved"


@pytest.mark.parametrize("nobody", ["per_acme_itt", "per_hr", "per_globex-approver", "per_member"])
def test_delegating_to_someone_who_may_not_decide_changes_nothing(client, team, access, nobody):
    step = first_step(access)
    client.force_login(team["approver"])
    response = client.post(transition(step, "delegate"), {"delegated_to_id": nobody}, follow=True)
    assert any("delegated_to_id" in m or "Delegate to someone else" in m or "is not an approver" in m
               for m in messages_of(response)), messages_of(response)
    step.refresh_from_db()
    assert (step.status, step.delegated, step.delegated_to_id) == ("pending", False, None)
    assert Pending.objects.filter(source_id=step.pk, assignee_id="per_approver", status="queued").exists()


def test_delegating_through_the_picker_moves_the_step(client, team, access):
    step = first_step(access)
    client.force_login(team["approver"])
    client.post(transition(step, "delegate"), {"delegated_to_id": "per_second", "comment": "on leave"})
    step.refresh_from_db()
    assert (step.status, step.delegated, step.delegated_to_id) == ("delegated", True, "per_second")
    assert Pending.objects.filter(source_id=step.pk, assignee_id="per_second", status="queued").exists()
    client.force_login(team["second"])
    page = client.get(change_url(step))
    assert "delegated to Sam" in page.content.decode()
    assert sorted(t["name"] for t in page.context["fsm_transitions"]) == ["approve", "delegate", "reject"]


def test_a_target_that_is_no_record_says_so(client, team):
    request = approval_request_create(actor=MEMBER, data={"title": "Vendor", "entity_type": "Vendor",
                                                          "entity_id": "ven_123", "approver_ids": ["per_approver"]})
    approval_request_submit(actor=MEMBER, approval_request=request)
    client.force_login(team["approver"])
    page = client.get(change_url(request.steps.get()))
    assert page.status_code == 200
    assert page.context["target"]["record"] is None and "not a record you can open" in page.content.decode()
    assert "Step 1 of 1" in page.content.decode()


def test_the_request_page_shows_the_chain_numbered_from_one(client, team, access):
    client.force_login(team["boss"])
    request = ApprovalRequest.objects.get(entity_id=access.pk)
    page = client.get(change_url(request))
    assert page.status_code == 200
    assert [s["number"] for s in page.context["chain"]] == [1, 2]
    listing = client.get(reverse("admin:approvals_approvalrequest_changelist")).content.decode()
    assert "step 1 of 2" in listing


def test_the_inbox_lists_names_not_ids(client, team, access):
    client.force_login(team["approver"])
    listing = client.get(reverse("admin:approvals_approvalstep_changelist") + "?mine=open")
    html = listing.content.decode()
    assert "Ann Approver" in html and "1 of 2" in html


def test_the_step_page_costs_the_same_queries_with_a_longer_chain(client, team, django_assert_max_num_queries):
    def step_for(approvers):
        request = approval_request_create(actor=MEMBER, data={"title": "x", "approver_ids": approvers})
        approval_request_submit(actor=MEMBER, approval_request=request)
        return request.steps.get(step_index=0)

    short = step_for(["per_approver", "per_boss"])
    extra = [staff(f"approver{i}", ["approver"]) for i in range(6)]
    long = step_for(["per_approver", "per_boss", *(f"per_{u.username}" for u in extra)])
    client.force_login(team["approver"])
    with django_assert_max_num_queries(30) as few:
        assert client.get(change_url(short)).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(change_url(long)).status_code == 200


def test_an_inbox_spanning_tenants_names_each_tenants_people(team):
    """A superuser's inbox lists steps of several tenants: each requester is named from their own tenant."""
    from apps.approvals.summaries import summarise

    staff("asker", [], first_name="Ada", last_name="Acme")
    staff("g-asker", [], tenant="globex", first_name="Gil", last_name="Globex")
    for tenant, asker, approver in (("acme", "per_asker", "per_approver"), ("globex", "per_g-asker", "per_globex-approver")):
        ApprovalChainFactory(tenant_id=tenant, name="Access", entity_type="AccessRequest", approver_ids=[approver])
        access_request_create(actor=Principal(person_id=asker, tenant_id=tenant), data={
            "system_id": "github", "access_type": "new", "justification": "Release duty."})
    steps = ApprovalStep.objects.select_related("approval_request").order_by("tenant_id")
    rows = summarise(steps)
    assert [(row["step"].tenant_id, row["requester_name"]) for row in rows] == [
        ("acme", "Ada Acme"), ("globex", "Gil Globex")]
