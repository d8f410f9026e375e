"""Faults and the other triggers: a target that is down leaves items failed (retried) and the case open
and overdue; re-activation mid-case stops the remaining revokes and says so; a planned leaving date
deactivates through the scheduler's sweep; owned objects, API keys and work are handed on or flagged."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.directory.services import person_deactivate, person_update
from apps.core.principal import Principal
from apps.helpdesk.models import Ticket
from apps.integration.models import IntegrationApiKey
from apps.lifecycle.models import OffboardingCase, PlannedLeave
from apps.lifecycle.sweep import lifecycle_sweep
from apps.operations.actions import equipment_return
from apps.operations.models import AccessRequest
from apps.operations.provisioning import provisioning_sweep
from tests.factories import IntegrationApiKeyFactory, PersonFactory, StaffMembershipFactory, TicketFactory, WebhookFactory

from .conftest import attachments_of

pytestmark = pytest.mark.django_db
DIRECTORY_ADMIN = Principal(person_id="per_root", tenant_id="acme", roles=frozenset({"admin"}), source_type="frontend")
IT = Principal(person_id="per_ivy", tenant_id="acme", roles=frozenset({"it"}))


def retries_fall_due(grants) -> None:
    AccessRequest.objects.filter(pk__in=[g.pk for g in grants]).update(
        provisioning_next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_target_that_is_down_fails_items_keeps_the_case_open_and_overdue_then_retries(
        world, immediate_tasks, django_capture_on_commit_callbacks):
    alice, scim = world["alice"], world["scim"]
    scim.stop()
    with django_capture_on_commit_callbacks(execute=True):
        person_deactivate(actor=DIRECTORY_ADMIN, obj=alice)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle_sweep()
    case = OffboardingCase.objects.get(person_id=alice.pk)
    assert (case.trigger, case.triggered_by) == ("directory", "per_root")
    chat = [world["grants"]["admins"], world["grants"]["users"]]
    states = {i.subject_id: (i.status, i.attempts) for i in case.items.filter(kind="revoke_access")}
    assert {states[g.pk][0] for g in chat} == {"failed"}
    assert states[world["grants"]["engineering"].pk] == ("done", 0)  # slapd was up
    assert case.status == "open" and case.is_overdue
    assert all(i.last_error for i in case.items.filter(status="failed"))

    scim.start()
    retries_fall_due(chat)
    with django_capture_on_commit_callbacks(execute=True):
        provisioning_sweep()
    assert {i.status for i in case.items.filter(kind="revoke_access")} == {"done"}
    assert not {"alice@acme.invalid"} & (scim.member_names(world["groups"]["chat-admins"])
                                        | scim.member_names(world["groups"]["chat-users"]))
    case.refresh_from_db()
    assert case.status == "open" and not case.is_overdue  # the laptop is still out, not yet due
    with django_capture_on_commit_callbacks(execute=True):
        equipment_return(actor=IT, equipment=world["laptop"])
    case.refresh_from_db()
    assert case.status == "closed" and len(attachments_of(case)) == 2


def test_reactivation_mid_case_stops_the_remaining_revokes_and_says_so(
        world, immediate_tasks, django_capture_on_commit_callbacks):
    alice, scim = world["alice"], world["scim"]
    scim.stop()
    with django_capture_on_commit_callbacks(execute=True):
        person_deactivate(actor=DIRECTORY_ADMIN, obj=alice)
    alice.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        person_update(actor=DIRECTORY_ADMIN, obj=alice, data={"active": True})
    case = OffboardingCase.objects.get(person_id=alice.pk)
    assert case.status == "stopped"
    assert "Revokes stopped: Chat · Admins, Chat · Users" in case.stop_reason
    assert "Already revoked (request them again if needed): Directory · Engineering" in case.stop_reason
    assert {i.status for i in case.items.exclude(subject_id=world["grants"]["engineering"].pk)} == {"cancelled"}
    scim.start()
    retries_fall_due(world["grants"].values())
    with django_capture_on_commit_callbacks(execute=True):
        provisioning_sweep()
    # nothing is removed any more: alice keeps her chat access
    assert "alice@acme.invalid" in scim.member_names(world["groups"]["chat-admins"])
    assert AccessRequest.objects.get(pk=world["grants"]["admins"].pk).status == "provisioned"
    assert len(attachments_of(case)) == 2  # the stopped case has its evidence too


def test_a_planned_leaving_date_deactivates_through_the_sweep(db, django_capture_on_commit_callbacks):
    leaver = PersonFactory(tenant_id="acme")
    later = PersonFactory(tenant_id="acme")
    PlannedLeave.objects.create(tenant_id="acme", person_id=leaver.pk, leaves_on=timezone.now().date())
    PlannedLeave.objects.create(tenant_id="acme", person_id=later.pk, leaves_on=timezone.now().date() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle_sweep()["left"] == 1
        assert lifecycle_sweep()["left"] == 0  # once
    leaver.refresh_from_db()
    later.refresh_from_db()
    assert (leaver.active, later.active) == (False, True)
    case = OffboardingCase.objects.get(person_id=leaver.pk)
    assert (case.trigger, case.status) == ("scheduled", "closed")  # nothing held: closed at once, with its report
    assert len(attachments_of(case)) == 2


def test_owned_objects_keys_and_work_are_handed_on_or_flagged_until_an_admin_resolves(
        db, caller, django_capture_on_commit_callbacks):
    from apps.integration.catalog_models import Entitlement
    from tests.factories import EntitlementFactory

    mia = StaffMembershipFactory(tenant__id="acme", user__username="mia2", roles=["approver"]).person_id
    bo = PersonFactory(tenant_id="acme", manager_id=mia)
    entitlement = EntitlementFactory(tenant_id="acme", owner_id=bo.pk, owner_type="person")
    webhook = WebhookFactory(tenant_id="acme", created_by=bo.pk)
    key = IntegrationApiKeyFactory(tenant_id="acme", created_by_user_id=bo.pk, issued_to_service="billing-sync")
    ticket = TicketFactory(tenant_id="acme", assigned_to_id=bo.pk, status="open")
    with django_capture_on_commit_callbacks(execute=True):
        person_deactivate(actor=DIRECTORY_ADMIN, obj=bo)
    case = OffboardingCase.objects.get(person_id=bo.pk)
    items = {i.subject_id: i for i in case.items.all()}
    assert Entitlement.objects.get(pk=entitlement.pk).owner_id == mia and items[entitlement.pk].status == "done"
    assert IntegrationApiKey.objects.get(pk=key.pk).status == "revoked"
    assert "re-issue a key for billing-sync" in items[key.pk].action_taken
    assert Ticket.objects.get(pk=ticket.pk).assigned_to_id is None and items[ticket.pk].status == "done"
    flagged = items[webhook.pk]
    assert flagged.status == "flagged" and case.status == "open"

    admin = caller("acme", "per_boss", ("admin",))
    it = caller("acme", "per_it", ("it",))
    base = "/api/v1/lifecycle/offboarding-items"
    assert it.post(f"{base}/{flagged.pk}/resolve", {"comment": "Kept"}, format="json").status_code == 403
    assert admin.post(f"{base}/{flagged.pk}/resolve", {}, format="json").status_code == 400  # says why
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"{base}/{flagged.pk}/resolve", {"comment": "Ops keeps the receiver"}, format="json")
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.status == "closed" and len(attachments_of(case)) == 2
    read = it.get(f"/api/v1/lifecycle/offboarding-cases/{case.pk}").json()
    assert (read["status"], read["is_overdue"]) == ("closed", False)
    assert caller("globex", "per_x", ("admin",)).get(f"/api/v1/lifecycle/offboarding-cases/{case.pk}").status_code == 404
