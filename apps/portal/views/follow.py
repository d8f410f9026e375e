"""Follow: the person's requests of every kind, one record's timeline, withdrawing an open one."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.approvals.services import approval_request_cancel
from apps.operations.actions import travel_cancel
from apps.core.exceptions import DomainError
from apps.core.models import Tenant
from apps.files.download import download_response
from apps.files.errors import FileNotDownloadable, FileNotFound, StorageFailed
from apps.files.models import Attachment
from apps.files.records import type_of_model
from apps.files.services import attachment_open

from .. import records
from ..access import portal_view
from ..team import reports
from .tickets import label_comments

PAGE = 25


@portal_view
def home(request):
    from .answer import decidable

    actor = request.actor
    rows = records.my_requests(actor, limit=5)
    # The home's two counters in one query: the steps waiting for the person, whether anyone reports to them.
    waiting = decidable(actor).order_by().values("tenant_id").annotate(n=Count("pk")).values("n")
    counters = Tenant.objects.filter(pk=actor.tenant_id).annotate(
        waiting=Coalesce(Subquery(waiting), 0), manager=Exists(reports(actor))).values("waiting", "manager").first()
    return render(request, "portal/home.html", {
        "rows": rows, "waiting_count": counters["waiting"], "manager": counters["manager"],
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
    files = files_of(actor, kind_, obj, moments)
    # Who it waits for now: the open approval step (from the timeline's steps), else the next hand.
    words = records.variant_of(kind_.slug, getattr(obj, "access_type", ""))
    waiting = None if obj.is_deleted else next(
        (m.what for m in moments if m.state == "waiting"), records.next_hand(words, obj.status))
    return render(request, "portal/request_detail.html", {
        "kind": kind_, "obj": obj, "title": records.title_of(kind_, obj), "state": records.state_words(words, obj.status, obj.is_deleted),
        "moments": moments, "waiting": waiting, "comments": comments, "files": files,
        "may_withdraw": may_withdraw(kind_, obj) if kind_.slug != "ticket" else False,
        "may_renew": words == "access" and obj.status == "provisioned" and obj.expires_at is not None,
        "may_give_up": words == "access" and obj.status == "provisioned" and obj.entitlement_id is not None
        and not obj.provisioning_op,
    })


def files_of(actor, kind, obj, moments) -> list:
    """The record's files (a letter HR sent, a ticket's screenshots), each with its portal download;
    a moment linking to one of them (the fulfilment's letter) links to that download instead of the
    API's address, which a signed-in person cannot open."""
    kind_of_files = type_of_model(type(obj))  # the record is the person's (records.record_of): its files are theirs
    files = [] if kind_of_files is None else list(Attachment.objects.filter(
        tenant_id=obj.tenant_id, record_type=kind_of_files.label, record_id=kind_of_files.ref_of(obj)).order_by("created_at"))
    for attachment in files:
        attachment.portal_url = reverse("portal:file", args=[kind.slug, obj.pk, attachment.pk])
        for moment in moments:
            if moment.link.endswith(f"/attachments/{attachment.pk}/content"):
                moment.link = attachment.portal_url
    return files


@portal_view
def download(request, kind: str, record_id: str, attachment_id: str):
    """A file of the person's record, through the files service (scan status, storage) as the API's."""
    actor = request.actor
    _kind, obj = records.record_of(actor, kind, record_id)
    try:
        attachment, handle = attachment_open(actor=actor, attachment_id=attachment_id)
    except FileNotFound:
        raise Http404
    except (FileNotDownloadable, StorageFailed) as exc:
        messages.error(request, exc.detail)
        return redirect("portal:request", kind=kind, record_id=record_id)
    if attachment.record_id != obj.pk:  # a file of another record: not through this one's page
        handle.close()
        raise Http404
    return download_response(attachment, handle)


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


# My equipment: what the person has, then what is on its way, then what they gave back.
EQUIPMENT_GROUPS = (("delivered",), ("approved", "ordered", "shipped"), ("returned",))


@portal_view
def my_equipment(request):
    kind = records.KINDS["equipment"]
    items = list(records.owned(kind, request.actor, deleted=False).filter(
        status__in=[s for group in EQUIPMENT_GROUPS for s in group]).order_by("-created_at", "-id")[:100])
    for item in items:
        item.state = records.state_words("equipment", item.status)
        item.waiting = records.next_hand("equipment", item.status) or ""
    groups = [[i for i in items if i.status in group] for group in EQUIPMENT_GROUPS]
    return render(request, "portal/my_equipment.html", {"have": groups[0], "coming": groups[1], "returned": groups[2]})
