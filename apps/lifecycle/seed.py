"""Demo lifecycle data (idempotent): the tenant's settings, a planned leaving date, and a leaver whose
deactivation opened a real case (their laptop waits to be returned)."""
from datetime import timedelta

from django.utils import timezone

from apps.directory.models import Person
from apps.directory.services import person_create, person_deactivate
from apps.core.principal import Principal
from apps.core.services import record_create
from apps.operations.models import Equipment

from .models import BirthrightRule, LifecycleSettings, OnboardingChecklist, PlannedLeave

LEAVER = "Leo Leaver"


def seed(*, tenant, people: dict, actor: Principal) -> str:
    if LifecycleSettings.all_objects.filter(tenant_id=tenant.id).exists():
        return "already seeded"
    record_create(actor=actor, obj=LifecycleSettings(mover_grace_days=7, offboarding_due_days=2))
    record_create(actor=actor, obj=PlannedLeave(person_id=people["member2"], note="End of contract",
                                                leaves_on=(timezone.now() + timedelta(days=30)).date()))
    leo = person_create(actor=actor, person_id=f"per_{tenant.id}_leaver", data={
        "user_name": f"leo.leaver@{tenant.id}.example", "display_name": LEAVER, "email": f"leo.leaver@{tenant.id}.example",
        "department": "Sales", "manager": Person.objects.filter(tenant_id=tenant.id, pk=people["approver"]).first()})
    Equipment.objects.create(tenant_id=tenant.id, requester_id=leo.pk, created_by=leo.pk, equipment_type="laptop",
                             specification="14-inch, 32 GB", status="delivered")
    person_deactivate(actor=actor, obj=leo)
    from apps.directory.models import Group
    from apps.integration.catalog_models import Entitlement

    entitlement = Entitlement.objects.filter(tenant_id=tenant.id, is_requestable=True).order_by("id").first()
    if entitlement is not None:
        record_create(actor=actor, obj=BirthrightRule(entitlement=entitlement, department="Engineering"))
    group = Group.objects.filter(tenant_id=tenant.id).order_by("id").first()
    if group is not None:
        record_create(actor=actor, obj=OnboardingChecklist(group=group, equipment_type="laptop",
                                                           equipment_specification="14-inch, 32 GB",
                                                           hr_request_types=["document"]))
    return "settings, a planned leaving date, an open offboarding case, a birthright rule, an onboarding checklist"
