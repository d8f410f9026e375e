"""Ask: the catalog of what a person can ask for, and one form per kind. A valid form files the
record through the create action the API's POST runs (its kind's map, records.ACTIONS); a form
token makes a second press of the button (or a reload of the POST) open the first record."""
import secrets
from datetime import timedelta

from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.exceptions import DomainError
from apps.operations.choices import AccessStatus, AccessType, ProvisioningOp

from .. import records
from ..access import portal_view
from ..forms import ASK_BLURBS, ASK_FORMS, ASK_TITLES, RECORD_KIND, removal_pending

TOKEN_SALT = "portal.form"
TOKEN_SECONDS = 86_400


def file_record(*, actor, kind: str, data: dict):
    """What the API's POST does with validated data: the create action of the kind's map."""
    return records.ACTIONS[kind].create(actor=actor, data=data)


def new_form_token(actor) -> str:
    return signing.dumps({"p": actor.person_id, "t": actor.tenant_id, "n": secrets.token_urlsafe(12)}, salt=TOKEN_SALT)


def _token_key(actor, token: str) -> str | None:
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_SECONDS)
    except signing.BadSignature:
        return None
    if data.get("p") != actor.person_id or data.get("t") != actor.tenant_id:
        return None
    return f"portal:form:{data['n']}"


@portal_view
def catalog(request):
    return render(request, "portal/ask.html", {"items": [
        {"slug": slug, "title": ASK_TITLES[slug], "blurb": ASK_BLURBS[slug]} for slug in ASK_FORMS]})


def _form(kind: str, actor, data=None, initial=None):
    form_class = ASK_FORMS[kind]
    extra = {"tenant_id": actor.tenant_id} if kind == "access" else {"actor": actor} if kind == "revoke" else {}
    return form_class(data, initial=initial, **extra)


def _initial(kind: str, request) -> dict:
    """A link from a grant ("Give up" on My access) names it; anything else named is ignored."""
    return {"grant": request.GET.get("grant", "")} if kind == "revoke" else {}


@portal_view
@require_http_methods(["GET", "POST"])
def ask(request, kind: str):
    if kind not in ASK_FORMS:
        raise Http404
    actor = request.actor
    context = {"kind": kind, "title": ASK_TITLES[kind], "blurb": ASK_BLURBS[kind]}
    if request.method == "GET":
        return render(request, "portal/ask_form.html", context | {"form": _form(kind, actor, initial=_initial(kind, request)),
                                                                  "form_token": new_form_token(actor)})
    form = _form(kind, actor, request.POST)
    token = request.POST.get("form_token", "")
    key = _token_key(actor, token)
    context |= {"form": form, "form_token": token if key else new_form_token(actor)}
    if key is None:
        form.add_error(None, _("This form is too old or was altered; check it and send it again."))
        return render(request, "portal/ask_form.html", context, status=400)
    if not form.is_valid():
        if kind == "revoke" and "grant" in form.errors and request.POST.get("grant"):
            raise Http404  # a grant that is not the person's to give up (another's, another tenant's)
        return render(request, "portal/ask_form.html", context, status=400)
    if not cache.add(key, "", TOKEN_SECONDS):  # sent before: open what the first press filed
        earlier = cache.get(key)
        messages.info(request, _("You already sent this form; here is the request it filed."))
        return redirect(earlier) if earlier else redirect("portal:requests")
    data = form.record_data() | ({"submitted_by_id": actor.person_id} if kind == "ticket"
                                 else {"requester_id": actor.person_id})
    kind = RECORD_KIND.get(kind, kind)
    try:
        with transaction.atomic():
            obj = file_record(actor=actor, kind=kind, data=data)
    except (DomainError, ValidationError) as exc:
        cache.delete(key)
        _errors_onto(form, exc)
        return render(request, "portal/ask_form.html", context, status=getattr(exc, "status", 400))
    url = reverse("portal:request", args=[kind, obj.pk])
    cache.set(key, url, TOKEN_SECONDS)
    messages.success(request, _("Thank you: your request is filed. You can follow it here."))
    return redirect(url)


FIELD_ALIASES = {"departure_at": "departure", "return_at": "back", "entitlement_type": "entitlement",
                 "system_id": "entitlement", "expires_at": "duration_days"}


def _errors_onto(form, exc) -> None:
    """A service's refusal shown next to the field it names (or above the form)."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = FIELD_ALIASES.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, getattr(exc, "detail", None) or " ".join(getattr(exc, "messages", [str(exc)])))


@portal_view
def my_access(request):
    actor = request.actor
    grants = list(records.owned(records.KINDS["access"], actor, deleted=False)
                  .filter(status=AccessStatus.PROVISIONED).exclude(access_type=AccessType.REVOKE)
                  .annotate(removal_pending=removal_pending(actor.person_id))
                  .select_related("entitlement__system").order_by("expires_at", "id")[:100])
    me = actor.person_id
    for grant in grants:  # what the row offers: give it up (a catalog grant the person holds), or where its removal is
        grant.being_removed = grant.removal_pending or grant.provisioning_op == ProvisioningOp.REVOKE
        held = grant.principal_id == me or (not grant.principal_id and grant.requester_id == me)
        grant.removable = bool(grant.entitlement_id) and held and not grant.being_removed
    return render(request, "portal/my_access.html", {"grants": grants, "soon": timezone.now() + timedelta(days=14)})


@portal_view
@require_POST
def renew(request, record_id: str):
    """One click: a new access request for the same entitlement, as long again as the grant was
    (within the entitlement's limit), its justification naming the grant it renews."""
    actor = request.actor
    _kind, grant = records.record_of(actor, "access", record_id)
    if grant.is_deleted or grant.status != AccessStatus.PROVISIONED:
        raise Http404
    already = records.owned(records.KINDS["access"], actor, deleted=False).filter(
        status=AccessStatus.PENDING, access_type=AccessType.MODIFY, system_id=grant.system_id,
        entitlement_type=grant.entitlement_type).first()
    if already is not None:
        messages.info(request, _("A renewal of this access is already waiting for approval."))
        return redirect("portal:request", kind="access", record_id=already.pk)
    days = (grant.expires_at - grant.granted_at).days if grant.expires_at and grant.granted_at else None
    limit = grant.entitlement.max_duration_days if grant.entitlement_id else None
    days = min(d for d in (days or limit, limit) if d) if (days or limit) else None
    start = max(grant.expires_at or timezone.now(), timezone.now())
    data = {"entitlement": grant.entitlement, "system_id": grant.system_id, "asset_id": grant.asset_id,
            "entitlement_type": grant.entitlement_type, "access_type": AccessType.MODIFY, "requester_id": actor.person_id,
            "justification": _("Renewal of %(grant)s (%(id)s), which expires on %(date)s.") % {
                "grant": f"{grant.system_name} · {grant.grant}",
                "id": grant.pk,
                "date": f"{grant.expires_at:%Y-%m-%d}" if grant.expires_at else "—"},
            "expires_at": start + timedelta(days=days) if days else None}
    try:
        with transaction.atomic():
            obj = file_record(actor=actor, kind="access", data=data)
    except (DomainError, ValidationError) as exc:
        messages.error(request, getattr(exc, "detail", None) or " ".join(getattr(exc, "messages", [])))
        return redirect("portal:request", kind="access", record_id=grant.pk)
    messages.success(request, _("Your renewal request is filed."))
    return redirect("portal:request", kind="access", record_id=obj.pk)
