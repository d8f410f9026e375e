"""Identity changes cannot buy a decision: an admin who filed a request and then, through a SCIM token
they made, repoints the approver's e-mail gets a link that decides nothing until another admin
confirms the change; a changed or deactivated person's links are revoked at once. Asserted in the
database and in the mail the SMTP server on 127.0.0.1 received."""
import json

import pytest
from django.test import Client

from apps.approvals.choices import RequestStatus, StepStatus
from apps.approvals.services import approval_step_approve
from apps.directory.services import person_create, person_deactivate, scim_token_create
from apps.core.exceptions import Conflict, Forbidden
from apps.core.identity_services import identity_change_confirm
from apps.core.models import Event, IdentityChange
from apps.directory.models import Person
from apps.core.principal import Principal, system_principal
from apps.notifications.engine import run_pass
from apps.notifications.models import UsedLink
from apps.operations.models import AccessRequest
from apps.operations.services import access_request_create
from tests.factories import ApprovalChainFactory
from tests.notifications.conftest import path_of, step_of

pytestmark = pytest.mark.django_db
BOSS = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))
ANN = Principal(person_id="per_ann", tenant_id="acme", roles=frozenset({"approver"}))
IVY_ADMIN = Principal(person_id="per_ivy", tenant_id="acme", roles=frozenset({"admin"}))
ATTACKER = "me@attacker.invalid"


def state(access) -> tuple:
    step = step_of(access)
    access.refresh_from_db()
    return access.status, step.status, step.approval_request.status, UsedLink.objects.count()


@pytest.fixture(autouse=True)
def ann_in_directory(team):
    """Ann is a Person of the tenant's directory (SCIM provisions her; mail goes to her entry's address)."""
    person_create(actor=system_principal("acme"), data={"user_name": "ann@acme.test", "email": "ann@acme.test",
                                                        "display_name": "Ann"}, person_id="per_ann")


@pytest.fixture
def own_request(team, smtp):
    """The admin files an access request of their own; the chain asks Ann."""
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_ann"])
    return access_request_create(actor=BOSS, data={
        "requester_id": "per_boss", "system_id": "prod-db", "access_type": "new", "entitlement_type": "admin",
        "justification": "Nobody will notice."})


def scim_patch_email(person_id: str, address: str, *, as_admin: Principal = BOSS):
    raw = scim_token_create(actor=as_admin, data={"name": "my own token"}).raw_token
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}").patch(
        f"/scim/v2/Users/{person_id}", json.dumps({"Operations": [
            {"op": "replace", "path": "emails", "value": [{"value": address}]}]}), content_type="application/scim+json")


def test_repointing_the_approvers_email_by_scim_buys_no_decision(client, smtp, own_request):
    assert scim_patch_email("per_ann", ATTACKER).status_code == 200
    change = IdentityChange.objects.get(kind="email", subject_id="per_ann")
    assert change.changed_by.startswith("scim:") and change.on_behalf_of == "per_boss"
    assert Event.objects.filter(type="directory.identity.email", entity_id=str(change.pk)).exists()

    run_pass()
    [mail] = smtp.to(ATTACKER)  # the link does reach the new address…
    [url] = mail.links("decide")
    before = state(own_request)
    page = client.post(path_of(url), {"decision": "approve"})
    assert page.status_code == 409 and b"cannot count yet" in page.content  # …and decides nothing
    assert state(own_request) == before and own_request.status == "pending"
    assert step_of(own_request).status == StepStatus.PENDING

    with pytest.raises(Conflict, match="another admin must confirm|Another admin must confirm"):
        approval_step_approve(actor=ANN, approval_step=step_of(own_request))  # the API and the admin say the same
    with pytest.raises(Forbidden):
        identity_change_confirm(actor=BOSS, obj=change)  # not by the admin who made it
    identity_change_confirm(actor=IVY_ADMIN, obj=change)
    smtp.messages.clear()
    approval_step_approve(actor=ANN, approval_step=step_of(own_request))
    assert step_of(own_request).approval_request.status == RequestStatus.APPROVED
    assert AccessRequest.objects.get(pk=own_request.pk).status == "approved"


def test_an_email_change_revokes_links_already_sent(client, smtp, own_request):
    run_pass()
    [url] = smtp.to("ann@acme.test")[0].links("decide")
    assert scim_patch_email("per_ann", "ann.new@acme.test", as_admin=IVY_ADMIN).status_code == 200
    before = state(own_request)
    page = client.post(path_of(url), {"decision": "approve"})
    assert page.status_code == 410 and b"revoked" in page.content
    assert client.get(path_of(url)).status_code == 410
    assert state(own_request) == before


def test_a_deactivated_approvers_link_decides_nothing(client, smtp, access):
    run_pass()
    [url] = smtp.to("ann@acme.test")[0].links("decide")
    person_deactivate(actor=BOSS, obj=Person.objects.get(pk="per_ann"))
    before = state(access)
    page = client.post(path_of(url), {"decision": "approve"})
    assert page.status_code == 410 and b"deactivated" in page.content
    assert state(access) == before and step_of(access).status == StepStatus.PENDING
    assert IdentityChange.objects.filter(kind="deactivated", subject_id="per_ann", changed_by="per_boss").exists()


def test_links_sent_after_an_unrelated_change_still_work(client, smtp, access):
    """The revocation is in time: a change before the link was sent voids nothing."""
    from apps.directory.services import person_update

    person_update(actor=BOSS, obj=Person.objects.get(pk="per_ann"), data={"email": "ann.b@acme.test"})
    run_pass()
    [url] = smtp.to("ann.b@acme.test")[0].links("decide")
    assert client.post(path_of(url), {"decision": "approve"}).status_code == 200
    assert step_of(access).status == StepStatus.APPROVED


def test_a_second_admin_confirms_in_the_admin_and_the_maker_cannot(client, smtp, own_request):
    from django.contrib.auth.models import User
    from django.urls import reverse

    from tests.notifications.conftest import staff

    staff("ivy2", ["admin"])
    assert scim_patch_email("per_ann", ATTACKER).status_code == 200
    change = IdentityChange.objects.get(kind="email")
    url = reverse("admin:core_identitychange_changelist")
    client.force_login(User.objects.get(username="boss"))
    assert b"me@attacker.invalid" in client.get(url).content
    client.post(url, {"action": "confirm", "_selected_action": [change.pk]}, follow=True)
    assert IdentityChange.objects.get(pk=change.pk).confirmed_at is None  # the maker cannot
    client.force_login(User.objects.get(username="ivy2"))
    client.post(url, {"action": "confirm", "_selected_action": [change.pk]}, follow=True)
    assert IdentityChange.objects.get(pk=change.pk).confirmed_by == "per_ivy2"
    approval_step_approve(actor=ANN, approval_step=step_of(own_request))
    assert step_of(own_request).status == StepStatus.APPROVED


def test_roles_taken_away_in_the_admin_revoke_the_persons_links(client, smtp, access):
    from django.contrib.auth.models import User
    from django.urls import reverse

    from tests.admin.forms import form_as_posted

    run_pass()
    [url] = smtp.to("ann@acme.test")[0].links("decide")
    ann = User.objects.get(username="ann")
    root = User.objects.create_superuser("root", "root@example.test", "pw-123456789")
    client.force_login(root)  # staff users' pages are the superusers'
    change_url = reverse("admin:auth_user_change", args=[ann.pk])
    data = {k: v for k, v in form_as_posted(client.get(change_url)).items() if v is not None}
    page = client.get(change_url)
    formset = page.context["inline_admin_formsets"][0].formset
    data |= {f"{formset.prefix}-TOTAL_FORMS": "1", f"{formset.prefix}-INITIAL_FORMS": "1",
             f"{formset.prefix}-0-id": str(ann.membership.pk), f"{formset.prefix}-0-user": str(ann.pk),
             f"{formset.prefix}-0-tenant": "acme", f"{formset.prefix}-0-person_id": "per_ann",
             f"{formset.prefix}-0-roles": []}
    response = client.post(change_url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert IdentityChange.objects.filter(kind="roles", subject_id="per_ann", changed_by=f"user:{root.pk}").exists()
    before = state(access)
    assert client.post(path_of(url), {"decision": "approve"}).status_code == 410
    assert state(access) == before


def test_changes_by_nobody_who_is_a_party_hold_nothing(client, smtp, access):
    """The member's request was opened by the engine (`system`): an admin's or the engine's change of
    Ann's e-mail is recorded, revokes older links, but holds no decision."""
    from apps.directory.services import person_update

    person_update(actor=system_principal("acme"), obj=Person.objects.get(pk="per_ann"), data={"email": "a2@acme.test"})
    person_update(actor=BOSS, obj=Person.objects.get(pk="per_ann"), data={"email": "a3@acme.test"})
    assert IdentityChange.objects.filter(kind="email", subject_id="per_ann").count() == 2
    approval_step_approve(actor=ANN, approval_step=step_of(access))
    assert step_of(access).status == StepStatus.APPROVED
