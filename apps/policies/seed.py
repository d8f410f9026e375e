"""Demo policies in every status (idempotent)."""
from datetime import timedelta

from django.utils import timezone

from apps.core.principal import Principal

from .models import Policy
from .services import policy_acknowledge, policy_complete, policy_create, policy_retire, policy_submit

POLICIES = [
    ("Acceptable use", "security", "# Acceptable use\n\nUse company systems for work.", ["submit", "complete"]),
    ("Remote work", "hr", "# Remote work\n\nCore hours are 10:00-15:00.", ["complete"]),
    ("Data retention", "privacy", "# Data retention\n\nKeep customer data 7 years.", ["submit"]),
    ("Travel and expenses", "finance", "# Travel\n\nEconomy class under 6 hours.", []),
    ("Legacy VPN use", "security", "# Legacy VPN\n\nRetired.", ["complete", "retire"]),
]

STEPS = {"submit": policy_submit, "retire": policy_retire}


def seed(*, tenant, people: dict, actor: Principal) -> str:
    if Policy.all_objects.filter(tenant_id=tenant.id).exists():
        return "already seeded"
    member = Principal(person_id=people["member"], tenant_id=tenant.id, source_type="system")
    for name, category, body, steps in POLICIES:
        policy = policy_create(actor=actor, data={"name": name, "category": category, "body": body,
                                                  "owner_id": people["hr"]})
        for step in steps:
            if step == "complete":
                policy = policy_complete(actor=actor, policy=policy, next_review_at=timezone.now() + timedelta(days=20))
            else:
                policy = STEPS[step](actor=actor, policy=policy)
        if policy.status == "published":
            policy_acknowledge(actor=member, obj=policy)
    return f"{len(POLICIES)} policies"
