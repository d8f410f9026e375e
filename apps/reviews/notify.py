"""What access review e-mails say: the campaign, and for a reviewer their first undecided items, each
with a signed one-click link (apps/notifications/links.ReviewLink) to keep or revoke it."""
import hashlib
import time

from django.urls import reverse

from apps.core.people import display_people
from apps.notifications.links import ReviewLink, absolute

from .models import ReviewCampaign, ReviewItem

SHOWN = 10


def review_url(link: ReviewLink) -> str:
    return absolute(reverse("notifications:review", args=[link.token()]))


def token_id(notification_id: str, item_id: str) -> str:
    """One single-use token per item of an e-mail (UsedLink's key)."""
    return "rvl_" + hashlib.sha256(f"{notification_id}:{item_id}".encode()).hexdigest()[:32]


def review_context(context: dict, *, event, notification, record) -> None:
    campaign = record if isinstance(record, ReviewCampaign) else getattr(record, "campaign", None)
    context.update(campaign=campaign, item=record if isinstance(record, ReviewItem) else None)
    recipient = notification.recipient_id or ""
    if not isinstance(record, ReviewCampaign) or ":" in recipient:
        if isinstance(record, ReviewItem):
            context["holder"] = display_people(event.tenant_id, {record.holder_id}).get(record.holder_id, "")
        return
    mine = ReviewItem.objects.filter(campaign=campaign, reviewer_id=recipient, status="pending")
    items = list(mine.select_related("entitlement__system").order_by("id")[:SHOWN])
    holders = display_people(event.tenant_id, {i.holder_id for i in items})
    context["review_count"] = mine.count()
    context["review_items"] = [{
        "item": i, "holder": holders.get(i.holder_id, i.holder_id),
        "url": review_url(ReviewLink(tenant_id=event.tenant_id, person_id=recipient, item_id=i.pk,
                                     token_id=token_id(notification.id, i.pk), issued_at=time.time()))}
        for i in items]
    context["links"]["portal"] = absolute(reverse("portal:reviews"))
