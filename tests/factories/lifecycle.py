"""Offboarding cases and their items, planned leaving dates, lifecycle settings."""
from datetime import date, timedelta

import factory
from django.utils import timezone

from apps.lifecycle.models import (
    BirthrightRule, LifecycleSettings, OffboardingCase, OffboardingItem, OnboardingChecklist, PlannedLeave, ScheduledRevoke,
)

from .base import InTenant, PersonId, RecordId, TenantRecordFactory, register


@register
class LifecycleSettingsFactory(TenantRecordFactory):
    mover_grace_days = 7

    class Meta:
        model = LifecycleSettings
        django_get_or_create = ("tenant_id",)


@register
class PlannedLeaveFactory(TenantRecordFactory):
    person_id = PersonId()
    leaves_on = factory.LazyFunction(lambda: date.today() + timedelta(days=30))

    class Meta:
        model = PlannedLeave


@register
class OffboardingCaseFactory(TenantRecordFactory):
    """An open case of a deactivated person (the engine's rows, written as they are)."""

    person_id = PersonId(active=False)
    trigger = "directory"
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))

    class Meta:
        model = OffboardingCase


@register
class OffboardingItemFactory(TenantRecordFactory):
    """A laptop to return, on a case of the row's tenant."""

    case = InTenant(OffboardingCaseFactory)
    kind = "return_equipment"
    subject_type = "operations.equipment"
    subject_id = RecordId("tests.factories.operations.EquipmentFactory", status="delivered")
    label = "laptop"

    class Meta:
        model = OffboardingItem


@register
class BirthrightRuleFactory(TenantRecordFactory):
    entitlement = InTenant("tests.factories.integration.EntitlementFactory")
    department = factory.Sequence(lambda n: f"Department {n}")

    class Meta:
        model = BirthrightRule


@register
class OnboardingChecklistFactory(TenantRecordFactory):
    group = InTenant("tests.factories.directory.GroupFactory")
    equipment_type = "laptop"
    equipment_specification = "14-inch"

    class Meta:
        model = OnboardingChecklist


@register
class ScheduledRevokeFactory(TenantRecordFactory):
    grant = InTenant("tests.factories.operations.AccessRequestFactory", status="provisioned")
    person_id = factory.SelfAttribute("grant.requester_id")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    reason = "moved"

    class Meta:
        model = ScheduledRevoke
