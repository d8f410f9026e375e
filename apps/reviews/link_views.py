"""The page a review e-mail's one-click link opens, under the approval links' rules: signed and
expiring, bound to the person (revoked when their identity changes), single-use (UsedLink), GET only
shows, a POST decides through the reviews actions (the holder, recent approvers and closed campaigns
are refused there as everywhere)."""
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from apps.core.exceptions import DomainError
from apps.core.people import display_people
from apps.core.principal import Principal
from apps.notifications.content import tenant_name
from apps.notifications.links import LinkExpired, LinkInvalid, ReviewLink
from apps.notifications.models import UsedLink
from apps.notifications.recipients import roles_of
from apps.notifications.views import _bad_link, _notice, _revoked, _used_notice

from .actions import DECISIONS
from .models import ReviewItem
from .rules import decider_denial

TEMPLATE = "reviews/link_review.html"


@require_http_methods(["GET", "POST"])
def review(request, token: str):
    try:
        link = ReviewLink.read(token)
    except (LinkExpired, LinkInvalid) as exc:
        return _bad_link(request, exc)
    tenant = tenant_name(link.tenant_id)
    item = (ReviewItem.objects.filter(tenant_id=link.tenant_id, pk=link.item_id)
            .select_related("campaign", "entitlement__system").first())
    if item is None:
        return _notice(request, "Nothing to review", "This review item no longer exists.", status=404, tenant=tenant)
    if (revoked := _revoked(link)) is not None:
        return _notice(request, "This link was revoked", revoked, status=410, tenant=tenant)
    if (used := _used_notice(request, link, tenant)) is not None:
        return used
    if item.status != "pending":
        return _notice(request, "Already decided", f"This access was {item.get_status_display().lower()}.",
                       status=409, tenant=tenant)
    holder = display_people(link.tenant_id, {item.holder_id}).get(item.holder_id, item.holder_id)
    context = {"tenant": tenant, "item": item, "holder": holder, "error": "", "comment": ""}
    if request.method == "GET":
        if (denial := decider_denial(item=item, person_id=link.person_id)) is not None:
            context |= {"refused": True, "error": denial}
        return render(request, TEMPLATE, context)
    decision = request.POST.get("decision")
    comment = request.POST.get("comment", "").strip()[:2000]
    context["comment"] = comment
    if decision not in DECISIONS:
        context["error"] = "Choose Keep or Revoke."
        return render(request, TEMPLATE, context, status=400)
    actor = Principal(person_id=link.person_id, tenant_id=link.tenant_id, roles=roles_of(link.tenant_id, link.person_id),
                      source_type="frontend")
    try:
        with transaction.atomic():
            UsedLink.objects.create(token_id=link.token_id, tenant_id=link.tenant_id, person_id=link.person_id,
                                    target_id=item.pk, action=decision)
            DECISIONS[decision](actor=actor, review_item=item, comment=comment)
    except IntegrityError:
        return _notice(request, "This link was already used", "A decision link works once.", status=410, tenant=tenant)
    except DomainError as exc:
        return render(request, TEMPLATE, context | {"refused": True, "error": exc.detail}, status=exc.status)
    except ValidationError:
        context["error"] = "Say why: the reason goes into the campaign's evidence."
        return render(request, TEMPLATE, context, status=400)
    verb = "kept" if decision == "keep" else "revoked"
    return _notice(request, f"You {verb} this access", f"{holder}: {item.entitlement} is {verb}. Thank you.",
                   status=200, tenant=tenant)
