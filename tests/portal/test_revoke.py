"""Giving up access from the portal: a revoke request for a grant the person holds, decided by the
approvers, carried out by the system's connector against a real SCIM server; the grant ends only
when the target confirms the removal. Another person's or tenant's grant is a 404."""
import pytest

from apps.approvals.models import ApprovalStep
from apps.approvals.services import approval_step_approve
from apps.core.principal import Principal, system_principal
from apps.integration.catalog_models import AccessSystem, Entitlement
from apps.integration.services import connector_create
from apps.operations.models import AccessRequest
from apps.portal.views.ask import file_record

APPROVERS = [Principal(person_id=p, tenant_id="acme", roles=frozenset({"approver"}), source_type="frontend")
             for p in ("per_ap1", "per_ap2")]


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def chat(world, scim_target):
    connector = connector_create(actor=system_principal("acme", person_id="per_admin"), data={
        "type": "scim", "provider": "generic_scim", "name": "Chat (SCIM)",
        "config": {"base_url": scim_target.url}, "credentials": {"token": scim_target.token}})
    system = AccessSystem.objects.create(tenant_id="acme", name="Chat", connector=connector)
    group = scim_target.create_group("chat-admins")
    return Entitlement.objects.create(tenant_id="acme", system=system, name="Admins", target_ref=group), group


def approve_all(record, capture) -> None:
    for step_index, approver in enumerate(APPROVERS):
        step = ApprovalStep.objects.get(approval_request__entity_id=record.pk, step_index=step_index)
        with capture(execute=True):
            approval_step_approve(actor=approver, approval_step=step, comment="ok")


def granted(entitlement, person: str, capture, tenant="acme") -> AccessRequest:
    actor = Principal(person_id=person, tenant_id=tenant, source_type="frontend")
    grant = file_record(actor=actor, kind="access", data={
        "entitlement": entitlement, "access_type": "new", "justification": "On call", "requester_id": person})
    approve_all(grant, capture)
    grant.refresh_from_db()
    assert grant.status == "provisioned", grant.provisioning_error
    return grant


def test_an_employee_gives_up_access_and_the_connector_removes_it(client, world, as_user, chat, scim_target,
                                                                  immediate_tasks, django_capture_on_commit_callbacks):
    entitlement, group = chat
    grant = granted(entitlement, "per_emp", django_capture_on_commit_callbacks)
    assert scim_target.member_names(group) == {"max@acme.invalid"}
    as_user(world.employee)
    page = client.get("/portal/access/").content.decode()
    assert f"/portal/ask/revoke/?grant={grant.pk}" in page
    form = client.get(f"/portal/ask/revoke/?grant={grant.pk}").content.decode()
    assert f'<option value="{grant.pk}" selected>Chat · Admins' in form
    token = form.split('name="form_token" value="')[1].split('"')[0]
    response = client.post("/portal/ask/revoke/", {"grant": grant.pk, "justification": "Moved to billing",
                                                   "form_token": token})
    revoke = AccessRequest.objects.get(access_type="revoke")
    assert response.status_code == 302 and response.url == f"/portal/requests/access/{revoke.pk}/"
    assert (revoke.principal_id, revoke.requester_id, revoke.entitlement_id) == ("per_emp", "per_emp", entitlement.pk)
    assert revoke.justification == "Moved to billing" and revoke.status == "pending"
    page = client.get(response.url).content.decode()
    assert "Remove Chat · Admins" in page and "Waiting for Grace Hopper, step 1 of 2" in page
    page = client.get("/portal/access/").content.decode()
    assert "Removal requested" in page and "?grant=" not in page
    assert scim_target.member_names(group) == {"max@acme.invalid"}  # nothing removed before approval

    approve_all(revoke, django_capture_on_commit_callbacks)
    revoke.refresh_from_db()
    grant.refresh_from_db()
    assert scim_target.member_names(group) == set()
    assert revoke.status == "provisioned" and grant.status == "completed"
    page = client.get(f"/portal/requests/access/{revoke.pk}/").content.decode()
    assert "Access removed" in page and "confirmed by Chat (SCIM)" in page
    assert "Access removed before its end date" in client.get(f"/portal/requests/access/{grant.pk}/").content.decode()
    assert "Chat · Admins" not in client.get("/portal/access/").content.decode()


def test_a_failing_target_leaves_the_grant_in_place(client, world, as_user, chat, scim_target, immediate_tasks,
                                                    django_capture_on_commit_callbacks):
    entitlement, group = chat
    grant = granted(entitlement, "per_emp", django_capture_on_commit_callbacks)
    as_user(world.employee)
    token = client.get("/portal/ask/revoke/").content.decode().split('name="form_token" value="')[1].split('"')[0]
    client.post("/portal/ask/revoke/", {"grant": grant.pk, "form_token": token})
    revoke = AccessRequest.objects.get(access_type="revoke")
    assert revoke.justification == "I no longer need this access."
    scim_target.fail_next(503, times=50)
    approve_all(revoke, django_capture_on_commit_callbacks)
    revoke.refresh_from_db()
    grant.refresh_from_db()
    assert grant.status == "provisioned" and revoke.status == "provisioning_failed"
    page = client.get(f"/portal/requests/access/{revoke.pk}/").content.decode()
    assert "Removal delayed: IT is looking into it" in page


@pytest.mark.parametrize("owner", ["other person", "other tenant"])
def test_another_persons_or_tenants_grant_cannot_be_given_up(client, world, as_user, owner):
    from django.utils import timezone

    tenant, person, entitlement = (("acme", "per_other", world.entitlement) if owner == "other person"
                                   else ("globex", "per_gx", world.globex_entitlement))
    theirs = file_record(actor=Principal(person_id=person, tenant_id=tenant, source_type="frontend"), kind="access",
                         data={"entitlement": entitlement, "access_type": "new", "justification": "j",
                               "requester_id": person})
    AccessRequest.objects.filter(pk=theirs.pk).update(status="provisioned", provisioned_at=timezone.now())
    as_user(world.employee)
    form = client.get(f"/portal/ask/revoke/?grant={theirs.pk}").content.decode()
    assert theirs.pk not in form
    token = form.split('name="form_token" value="')[1].split('"')[0]
    response = client.post("/portal/ask/revoke/", {"grant": theirs.pk, "form_token": token})
    assert response.status_code == 404
    assert not AccessRequest.objects.filter(access_type="revoke").exists()
    response = client.post("/portal/ask/revoke/", {"grant": "", "form_token": token})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
