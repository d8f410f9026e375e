"""Access reviews in the portal: the grants a person reviews ("Waiting for me"), decided keep or
revoke with a reason through the reviews actions (the same rules as the admin, the API and the e-mail
link), and the bulk keep of their low-risk items."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.core.exceptions import DomainError
from apps.core.people import display_people
from apps.core.titles import name_of
from apps.reviews.actions import DECISIONS
from apps.reviews.choices import CampaignStatus, ItemStatus
from apps.reviews.models import ReviewCampaign, ReviewItem
from apps.reviews.services import review_campaign_keep_low_risk

from ..access import portal_view


def open_items(actor):
    return (ReviewItem.objects.filter(tenant_id=actor.tenant_id, reviewer_id=actor.person_id, status=ItemStatus.PENDING,
                                      campaign__status=CampaignStatus.OPEN)
            .select_related("campaign", "entitlement__system"))


def reviews_for(actor, *, limit: int = 50) -> tuple[list, list]:
    """(items, campaigns with a count of the person's undecided low-risk items) for "Waiting for me"."""
    items = list(open_items(actor).order_by("campaign__due_at", "id")[:limit])
    if not items:  # most people review nothing: one query
        return [], []
    holders = display_people(actor.tenant_id, {i.holder_id for i in items})
    for item in items:
        item.holder_name = name_of(holders.get(item.holder_id) or item.holder_id)
    campaigns = {}
    for campaign_id, risk in open_items(actor).values_list("campaign_id", "risk"):
        campaigns.setdefault(campaign_id, 0)
        campaigns[campaign_id] += risk == "low"
    shown = ReviewCampaign.objects.filter(pk__in=[c for c, n in campaigns.items() if n])
    return items, [{"campaign": c, "low": campaigns[c.pk]} for c in shown]


@portal_view
def review_list(request):
    """Linked from "Waiting for me": the items the person reviews and the bulk keep of the low-risk ones."""
    items, campaigns = reviews_for(request.actor)
    return render(request, "portal/reviews.html", {"review_items": items, "review_campaigns": campaigns})


@portal_view
@require_http_methods(["GET", "POST"])
def review(request, item_id: str):
    actor = request.actor
    item = open_items(actor).filter(pk=item_id).first()
    if item is None:
        raise Http404
    holder = name_of(display_people(actor.tenant_id, {item.holder_id}).get(item.holder_id) or item.holder_id)
    context = {"item": item, "holder": holder, "comment": "", "error": ""}
    if request.method == "POST":
        decision = request.POST.get("decision")
        comment = request.POST.get("comment", "").strip()[:2000]
        context["comment"] = comment
        if decision not in DECISIONS:
            context["error"] = _("Choose Keep or Revoke.")
            return render(request, "portal/review.html", context, status=400)
        try:
            DECISIONS[decision](actor=actor, review_item=item, comment=comment)
        except DomainError as exc:
            context["error"] = exc.detail
            return render(request, "portal/review.html", context, status=exc.status)
        except ValidationError:
            context["error"] = _("Say why: the reason goes into the campaign's evidence.")
            return render(request, "portal/review.html", context, status=400)
        messages.success(request, _("Kept.") if decision == "keep" else _("Revoked: the access will be removed."))
        return redirect("portal:reviews")
    return render(request, "portal/review.html", context)


@portal_view
@require_http_methods(["POST"])
def keep_low_risk(request, campaign_id: str):
    actor = request.actor
    campaign = ReviewCampaign.objects.filter(tenant_id=actor.tenant_id, pk=campaign_id,
                                             items__reviewer_id=actor.person_id).distinct().first()
    if campaign is None:
        raise Http404
    try:
        kept = review_campaign_keep_low_risk(actor=actor, review_campaign=campaign,
                                             comment=request.POST.get("comment", ""))
    except ValidationError:
        messages.error(request, _("Say why you keep them: the reason goes into the campaign's evidence."))
        return redirect("portal:reviews")
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("portal:reviews")
    messages.success(request, _("Kept %(n)s low-risk access(es).") % {"n": kept})
    return redirect("portal:reviews")
