"""A tenant's active grants to review: systems, entitlements with owners and risks, people with managers,
and provisioned access requests (optionally held for real in a SCIM target). Used by the tests and by
`python -m tests.bench.reviews`."""
from datetime import timedelta

from django.utils import timezone

from apps.directory.models import Person
from apps.core.ids import new_id
from apps.integration.catalog_models import AccessSystem, Entitlement
from apps.operations.models import AccessRequest
from apps.reviews.models import ReviewCampaign

RISKS = ("low", "low", "medium", "high")


def people(tenant: str, n: int, *, managers: int = 10, prefix: str = "p") -> list[Person]:
    """`managers` managers (no manager themselves) and `n` reports spread over them."""
    bosses = [Person(tenant_id=tenant, id=f"per_{tenant}_{prefix}boss{i}", user_name=f"{prefix}boss{i}@{tenant}.invalid",
                     email=f"{prefix}boss{i}@{tenant}.invalid", display_name=f"Manager {prefix}{i}")
              for i in range(managers)]
    staff = [Person(tenant_id=tenant, id=f"per_{tenant}_{prefix}{i}", user_name=f"{prefix}{i}@{tenant}.invalid",
                    email=f"{prefix}{i}@{tenant}.invalid", display_name=f"Person {prefix}{i}",
                    manager_id=bosses[i % managers].id) for i in range(n)]
    Person.objects.bulk_create(bosses + staff, batch_size=2000)
    return staff


def catalog(tenant: str, *, connector=None, groups: list[str] | None = None, owner_id: str = "per_owner",
            systems: int = 1, per_system: int = 4, name: str = "System") -> list[Entitlement]:
    out = []
    for s in range(systems):
        system = AccessSystem.objects.create(tenant_id=tenant, name=f"{name} {s}", connector=connector, owner_id=owner_id)
        for e in range(per_system):
            ref = groups[(s * per_system + e) % len(groups)] if groups else ""
            out.append(Entitlement.objects.create(tenant_id=tenant, system=system, name=f"Role {e}", target_ref=ref,
                                                  risk=RISKS[e % len(RISKS)], owner_id=owner_id))
    return out


def grants(tenant: str, holders: list[Person], entitlements: list[Entitlement], *, approver_id: str = "per_approver",
           approved_days_ago: int = 400) -> list[AccessRequest]:
    """Every holder holds every entitlement (provisioned)."""
    approved = timezone.now() - timedelta(days=approved_days_ago)
    rows = [AccessRequest(tenant_id=tenant, id=new_id("acr"), requester_id=p.id, created_by=p.id, access_type="new",
                          justification="Needed", entitlement=e, system_id=e.system_id, entitlement_type=e.name,
                          asset_id=e.system_id, status="provisioned", approver_id=approver_id, approved_at=approved,
                          provisioned_at=approved, granted_at=approved)
            for p in holders for e in entitlements]
    AccessRequest.objects.bulk_create(rows, batch_size=2000)
    return rows


def campaign(tenant: str, *, owner_id: str = "per_owner", **fields) -> ReviewCampaign:
    from apps.core.principal import Principal
    from apps.core.services import record_create

    actor = Principal(person_id=owner_id, tenant_id=tenant, roles=frozenset({"it"}))
    fields.setdefault("due_at", timezone.now() + timedelta(days=14))
    return record_create(actor=actor, obj=ReviewCampaign(name=fields.pop("name", "Q4 access review"), owner_id=owner_id,
                                                          **fields))
