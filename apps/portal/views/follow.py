"""Follow: the person's requests of every kind, one record's timeline, withdrawing an open one."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.approvals.services import approval_request_cancel
from apps.operations.actions import travel_cancel
from apps.core.exceptions import DomainError

from .. import records
from ..access import portal_view
from .tickets import label_comments

PAGE = 25


@portal_view
def home(request):
    from .answer import steps_for

    actor = request.actor
    rows = records.my_requests(actor, limit=5)
    return render(request, "portal/home.html", {
        "rows": rows, "waiting_count": len(steps_for(actor, limit=50)),
        "staff": request.user.is_staff,
    })


@portal_view
def my_requests(request):
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    kind = request.GET.get("kind")
    kinds = [kind] if kind in records.KINDS else None
    rows = records.my_requests(request.actor, kinds=kinds, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render(request, "portal/requests.html", {
        "rows": rows[:PAGE], "page": page, "more": len(rows) > PAGE, "kind": kind if kinds else "",
        "kinds": records.KINDS.values()})


def may_withdraw(kind, obj) -> bool:
    return not obj.is_deleted and obj.status in kind.open_states and obj.requester_id == obj.created_by


@portal_view
def request_detail(request, kind: str, record_id: str):
    actor = request.actor
    kind_, obj = records.record_of(actor, kind, record_id)
    comments = []
    if kind_.slug == "ticket":
        from .tickets import public_comments

        comments = public_comments(obj)
    moments, people = records.timeline(actor, kind_, obj, also_people={c.author_id for c in comments})
    label_comments(comments, obj, people)
    # Who it waits for now: the open approval step (from the timeline's steps), else the next hand.
    waiting = None if obj.is_deleted else next(
        (m.what for m in moments if m.state == "waiting"), records.NEXT_HAND.get((kind_.slug, obj.status)))
    return render(request, "portal/request_detail.html", {
        "kind": kind_, "obj": obj, "title": records.title_of(kind_, obj), "state": records.state_words(kind_.slug, obj.status, obj.is_deleted),
        "moments": moments, "waiting": waiting, "comments": comments,
        "may_withdraw": may_withdraw(kind_, obj) if kind_.slug != "ticket" else False,
        "may_renew": kind_.slug == "access" and obj.status == "provisioned" and obj.expires_at is not None,
    })


@portal_view
@require_POST
def withdraw(request, kind: str, record_id: str):
    """Withdraw an open request: its approval is cancelled with the reason given, and the request is
    deleted by the same service the API's DELETE runs (the field policy lets its requester do that
    while it is open); a trip is cancelled through its own transition."""
    actor = request.actor
    kind_, obj = records.record_of(actor, kind, record_id)
    if not may_withdraw(kind_, obj):
        messages.error(request, _("This request can no longer be withdrawn."))
        return redirect("portal:request", kind=kind, record_id=record_id)
    reason = request.POST.get("reason", "").strip()[:2000] or _("Withdrawn by the requester.")
    try:
        with transaction.atomic():
            approval = records.open_approval(obj)
            if approval is not None:
                approval_request_cancel(actor=actor, approval_request=approval, comment=reason)
            if kind_.slug == "travel":
                travel_cancel(actor=actor, travel=obj, comment=reason)
            else:
                records.ACTIONS[kind_.slug].delete(actor=actor, obj=obj)
    except DomainError as exc:
        messages.error(request, exc.detail)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your request was withdrawn."))
    return redirect("portal:request", kind=kind, record_id=record_id)
