"""Demo access reviews (idempotent): the tenant's review settings and a quarterly campaign over every
active catalog grant, launched when the demo has grants to review (else left a draft)."""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.core import services as core
from apps.core.exceptions import Conflict
from apps.core.principal import Principal

from .actions import review_campaign_launch
from .models import ReviewCampaign, ReviewSettings


def seed(*, tenant, people: dict, actor: Principal) -> str:
    if ReviewCampaign.all_objects.filter(tenant_id=tenant.id).exists():
        return "already seeded"
    core.record_create(actor=actor, obj=ReviewSettings(approver_cooldown_days=90))
    it = Principal(person_id=people["it"], tenant_id=tenant.id, roles=frozenset({"it"}), source_type="system")
    campaign = core.record_create(actor=it, obj=ReviewCampaign(
        name="Quarterly access review", owner_id=people["it"], due_at=timezone.now() + timedelta(days=21),
        description="Every active catalog grant, reviewed by the holder's manager."))
    try:
        with transaction.atomic():
            campaign = review_campaign_launch(actor=it, review_campaign=campaign)
    except Conflict:
        return "1 draft campaign (no active grants to review yet)"
    return f"1 campaign with {campaign.items_total} items"
