"""Identity changes: recording them (every surface that changes an e-mail, a provider link, activity,
roles or the provider configuration calls identity_change_record), confirming them (a second admin),
and the rule they feed:

A decision on an approval step does not count — it is refused with 409 and the step stays open —
when, since the approval request opened, a party to it (its requester, whoever filed it, anyone the
record's party fields name, e.g. a grant's holder) changed the identity data of the person deciding,
or the tenant's identity-provider configuration, unless another admin (not that party) confirmed the
change. Re-routing the step to someone else lifts it (their identity was not changed). The decider's
one-click links issued before a change of REVOKES_LINKS are void."""
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import events
from .exceptions import Forbidden
from .identity_changes import REVOKES_LINKS, IdentityChange, IdentityChangeKind
from .directory_link import directory
from .principal import Principal, system_principal

SYSTEM = system_principal("").person_id


def actor_label(actor) -> tuple[str, str]:
    """(changed_by, on_behalf_of) for a Principal, a Django user (the admin) or None (a script)."""
    if isinstance(actor, Principal):
        token_id = (actor.extra or {}).get("scim_token")
        if token_id:
            maker = directory().token_maker(token_id)
            return actor.person_id, maker or ""
        return actor.person_id, ""
    membership = getattr(actor, "membership", None) if actor is not None else None
    if membership is not None:
        return membership.person_id, ""
    return (f"user:{actor.pk}" if getattr(actor, "pk", None) else SYSTEM), ""


def identity_change_record(*, tenant_id: str, kind: str, actor, subject_id: str = "", detail: str = "") -> IdentityChange:
    """Joins the caller's transaction: the change, its record and its event commit together."""
    changed_by, on_behalf_of = actor_label(actor)
    change = IdentityChange.objects.create(tenant_id=tenant_id, kind=kind, subject_id=subject_id or "",
                                           changed_by=changed_by[:64], on_behalf_of=on_behalf_of[:64],
                                           detail=detail[:500])
    events.emit(obj=change, action=kind, actor=actor if isinstance(actor, Principal) else None,
                event_type=f"directory.identity.{kind}",
                payload={"id": change.pk, "kind": kind, "subject_id": change.subject_id, "changed_by": changed_by,
                         "on_behalf_of": on_behalf_of, "detail": change.detail})
    return change


@transaction.atomic
def identity_change_confirm(*, actor: Principal, obj: IdentityChange) -> IdentityChange:
    """A second admin vouches for the change: it no longer holds decisions back."""
    if not actor.has_role("admin") or actor.tenant_id != obj.tenant_id:
        raise Forbidden("Only an admin of the tenant confirms an identity change.")
    if actor.person_id in (obj.changed_by, obj.on_behalf_of):
        raise Forbidden("A change is confirmed by another admin than the one who made it.")
    if obj.subject_id and actor.person_id == obj.subject_id:
        raise Forbidden("Nobody confirms a change of their own identity.")
    if obj.confirmed_at is None:
        obj.confirmed_by, obj.confirmed_at = actor.person_id, timezone.now()
        obj.save(update_fields=["confirmed_by", "confirmed_at"])
        events.emit(obj=obj, action="confirmed", actor=actor, event_type="directory.identity.confirmed",
                    payload={"id": obj.pk, "kind": obj.kind, "subject_id": obj.subject_id,
                             "confirmed_by": actor.person_id})
    return obj


def decision_hold(*, tenant_id: str, since: datetime, parties: set[str], decider_id: str) -> IdentityChange | None:
    """The unconfirmed change that keeps `decider_id`'s decision from counting, if any (rule above)."""
    # The engine files requests as `system` (open_for_record): it is nobody who could gain a decision.
    parties = {p for p in parties if p and p != SYSTEM}
    if not parties:
        return None
    return (IdentityChange.objects.filter(tenant_id=tenant_id, created_at__gte=since, confirmed_at__isnull=True)
            .filter(Q(subject_id=decider_id) | Q(kind=IdentityChangeKind.PROVIDER_CONFIG))
            .filter(Q(changed_by__in=parties) | Q(on_behalf_of__in=parties))
            .order_by("created_at").first())


def links_revoked_at(tenant_id: str, person_id: str) -> datetime | None:
    """When the person's one-click links were last revoked (links issued before then are void)."""
    return (IdentityChange.objects.filter(tenant_id=tenant_id, subject_id=person_id, kind__in=REVOKES_LINKS)
            .order_by("-created_at").values_list("created_at", flat=True).first())
