"""Requests people file (access, HR, equipment, travel) and the work queue; each as just filed,
by a directory Person of the tenant (who is also its creator)."""
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from apps.operations.choices import AccessType, HRRequestType
from apps.operations.models import AccessRequest, Equipment, HRRequest, Pending, Travel

from .base import PersonId, TenantRecordFactory, register


class RequestFactory(TenantRecordFactory):
    requester_id = PersonId()
    created_by = factory.SelfAttribute("requester_id")

    class Meta:
        abstract = True


@register
class AccessRequestFactory(RequestFactory):
    system_id = "github"
    access_type = AccessType.NEW
    entitlement_type = "maintainer"
    justification = "Release duty this quarter."

    class Meta:
        model = AccessRequest


@register
class HRRequestFactory(RequestFactory):
    type = HRRequestType.EMPLOYMENT_LETTER
    description = "For my landlord."

    class Meta:
        model = HRRequest


@register
class EquipmentFactory(RequestFactory):
    equipment_type = "laptop"
    specification = "14-inch, 32 GB"

    class Meta:
        model = Equipment


@register
class TravelFactory(RequestFactory):
    purpose = "Customer workshop"
    destination = "Berlin"
    departure_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    return_at = factory.LazyAttribute(lambda o: o.departure_at + timedelta(days=3))
    estimated_cost = Decimal("1200.00")

    class Meta:
        model = Travel


@register
class PendingFactory(TenantRecordFactory):
    """A plain task in a Person's queue (not an approvals item: those belong to the engine)."""

    type = "task"
    source_id = factory.Sequence(lambda n: f"task-{n}")
    title = factory.Sequence(lambda n: f"Task {n}")
    assignee_id = PersonId()
    created_by = factory.SelfAttribute("assignee_id")

    class Meta:
        model = Pending
