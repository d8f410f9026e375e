"""Joiners and movers against the real SCIM target: entering a directory group (an Okta group push)
files the group's birthright entitlement, approved by the rule and granted in the target; leaving it
schedules the revoke, which the sweep hands to the connector only after the tenant's grace period; a
department rule works the same; a newcomer gets the group's onboarding checklist."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.directory.services import group_create, person_update
from apps.core.principal import system_principal
from apps.lifecycle.models import BirthrightRule, LifecycleSettings, OnboardingChecklist, ScheduledRevoke
from apps.lifecycle.sweep import lifecycle_sweep
from apps.operations.models import AccessRequest, Equipment, HRRequest, Pending
from tests.directory.conftest import ScimClient, new_token
from tests.factories import PersonFactory, PolicyFactory

pytestmark = pytest.mark.django_db
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def okta_group_patch(op: str, person_id: str) -> dict:
    value = [{"value": person_id}]
    if op == "remove":  # Okta removes with a filter path
        return {"schemas": [PATCH], "Operations": [{"op": "remove", "path": f'members[value eq "{person_id}"]'}]}
    return {"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": value}]}


@pytest.fixture
def engineering(world):
    group = group_create(actor=system_principal("acme"), data={"display_name": "Engineering"})
    BirthrightRule.objects.create(tenant_id="acme", entitlement=world["entitlements"]["users"], group=group)
    LifecycleSettings.objects.create(tenant_id="acme", mover_grace_days=3)
    return group


def test_a_joiner_gets_birthright_access_in_the_target_and_a_mover_loses_it_after_the_grace_period(
        world, engineering, immediate_tasks, django_capture_on_commit_callbacks):
    scim, users_group = world["scim"], world["groups"]["chat-users"]
    policy = PolicyFactory(tenant_id="acme")
    checklist = OnboardingChecklist.objects.create(tenant_id="acme", group=engineering, equipment_type="laptop",
                                                   equipment_specification="14-inch", hr_request_types=["document"])
    checklist.policies.add(policy)
    zoe = PersonFactory(tenant_id="acme", id="per_zoe", user_name="zoe@acme.invalid")
    scim.create_user("zoe@acme.invalid")
    okta = ScimClient(new_token("acme", "Okta"))

    with django_capture_on_commit_callbacks(execute=True):
        response = okta.patch(f"/Groups/{engineering.pk}", okta_group_patch("add", zoe.pk))
    assert response.status_code in (200, 204), response.content
    grant = AccessRequest.objects.get(requester_id=zoe.pk, source="birthright")
    assert grant.status == "provisioned" and grant.created_by.startswith("rule:brr_")
    assert "zoe@acme.invalid" in scim.member_names(users_group)
    assert Equipment.objects.filter(requester_id=zoe.pk, equipment_type="laptop").count() == 1
    assert HRRequest.objects.filter(requester_id=zoe.pk, type="document").count() == 1
    assert Pending.objects.filter(type="policy_acknowledgement", assignee_id=zoe.pk, source_id=policy.pk).exists()
    # joining again (a second push) opens nothing twice
    with django_capture_on_commit_callbacks(execute=True):
        okta.patch(f"/Groups/{engineering.pk}", okta_group_patch("add", zoe.pk))
    assert AccessRequest.objects.filter(requester_id=zoe.pk, source="birthright").count() == 1
    assert Equipment.objects.filter(requester_id=zoe.pk).count() == 1

    moved_at = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = okta.patch(f"/Groups/{engineering.pk}", okta_group_patch("remove", zoe.pk))
    assert response.status_code in (200, 204), response.content
    revoke = ScheduledRevoke.objects.get(grant=grant)
    assert timedelta(days=3) <= revoke.due_at - moved_at < timedelta(days=3, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle_sweep(now=moved_at + timedelta(days=2))["mover_revokes"] == 0  # still in the grace period
    assert "zoe@acme.invalid" in scim.member_names(users_group)
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle_sweep(now=moved_at + timedelta(days=3, minutes=1))["mover_revokes"] == 1
    assert "zoe@acme.invalid" not in scim.member_names(users_group)
    grant.refresh_from_db()
    assert grant.status == "completed"


def test_moving_back_within_the_grace_period_cancels_the_revoke_and_departments_carry_rules_too(
        world, engineering, immediate_tasks, django_capture_on_commit_callbacks):
    scim = world["scim"]
    BirthrightRule.objects.create(tenant_id="acme", entitlement=world["entitlements"]["admins"], department="SRE")
    yan = PersonFactory(tenant_id="acme", id="per_yan", user_name="yan@acme.invalid")
    scim.create_user("yan@acme.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        yan = person_update(actor=system_principal("acme"), obj=yan, data={"department": "SRE"})
    grant = AccessRequest.objects.get(requester_id=yan.pk, source="birthright")
    assert grant.status == "provisioned" and "yan@acme.invalid" in scim.member_names(world["groups"]["chat-admins"])
    with django_capture_on_commit_callbacks(execute=True):
        yan = person_update(actor=system_principal("acme"), obj=yan, data={"department": "Sales"})
        yan = person_update(actor=system_principal("acme"), obj=yan, data={"department": "SRE"})
    revoke = ScheduledRevoke.objects.get(grant=grant)
    assert revoke.cancelled_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle_sweep(now=timezone.now() + timedelta(days=30))["mover_revokes"] == 0
    assert "yan@acme.invalid" in scim.member_names(world["groups"]["chat-admins"])
