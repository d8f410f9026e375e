"""Resolving a drift finding: the same services run from the admin's buttons and any other caller.

Revoke and re-grant go through the connector and count only when a read-back (`verify`) confirms them; a
target that fails leaves the finding open and says why (a 409 with the target's message). Adopting files
an access request for the person, filed by the system (so neither the IT member nor the owner who adopts
is its creator and the owner may approve it), routed like any access request for that entitlement.
"""
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core import services as core
from apps.core.directory import Person
from apps.core.exceptions import Conflict
from apps.core.principal import Principal, system_principal

from .connectors.base import ConnectorError, PersonRef
from .drift_models import DriftFinding
from .reconcile import connector_implementation


def _person_ref(finding: DriftFinding) -> PersonRef:
    person = Person.objects.filter(tenant_id=finding.tenant_id, pk=finding.person_id).first() if finding.person_id else None
    if person is None:
        return PersonRef(person_id="", user_name=finding.user_name)
    return PersonRef(person_id=person.pk, user_name=finding.user_name, email=person.email,
                     display_name=person.display_name, given_name=person.given_name, family_name=person.family_name)


def _check(actor: Principal, finding: DriftFinding, name: str) -> None:
    """Refuse before touching the target what the transition itself would refuse."""
    from apps.core.fsm import available_transitions, transitions_of

    info = transitions_of(DriftFinding)[name]
    if (denial := core.transition_denial(actor=actor, obj=finding, info=info)) is not None:
        raise core.Forbidden(denial)
    if name not in available_transitions(finding):
        raise core.TransitionConflict(f"'{name}' is not allowed for this finding ({finding.kind}, {finding.status}).",
                                      allowed_transitions=available_transitions(finding))


def _through_target(finding: DriftFinding, *, grant: bool) -> None:
    target = connector_implementation(finding.connector)
    person, ref = _person_ref(finding), finding.entitlement.target_ref
    try:
        if grant:
            target.grant(person=person, entitlement=ref)
        else:
            target.revoke(person=person, entitlement=ref)
        holds = target.verify(person=person, entitlement=ref)
    finally:
        if hasattr(target, "close"):
            target.close()
    if holds != grant:
        raise ConnectorError("The target did not confirm the change on reading it back.", retryable=True)


def _connector_action(*, actor: Principal, obj: DriftFinding, name: str, grant: bool, comment: str) -> DriftFinding:
    finding = core.lock(obj)
    _check(actor, finding, name)
    try:
        _through_target(finding, grant=grant)
    except ConnectorError as exc:
        raise Conflict(f"The target refused or failed: {exc}") from None
    return core.record_transition(actor=actor, obj=finding, name=name, body={"comment": comment} if comment else {})


@core.serves(DriftFinding, "revoke")
@transaction.atomic
def drift_finding_revoke(*, actor: Principal, obj: DriftFinding, comment: str = "", **_) -> DriftFinding:
    return _connector_action(actor=actor, obj=obj, name="revoke", grant=False, comment=comment)


@core.serves(DriftFinding, "regrant")
@transaction.atomic
def drift_finding_regrant(*, actor: Principal, obj: DriftFinding, comment: str = "", **_) -> DriftFinding:
    return _connector_action(actor=actor, obj=obj, name="regrant", grant=True, comment=comment)


@core.serves(DriftFinding, "adopt")
@transaction.atomic
def drift_finding_adopt(*, actor: Principal, obj: DriftFinding, comment: str = "", **_) -> DriftFinding:
    from apps.operations.choices import AccessType, PrincipalType
    from apps.operations.models import AccessRequest

    finding = core.lock(obj)
    _check(actor, finding, "adopt")
    entitlement = finding.entitlement
    if not Person.objects.filter(tenant_id=finding.tenant_id, pk=finding.person_id, active=True).exists():
        raise ValidationError({"person_id": "Nobody active in the directory has this account: revoke or dismiss it."})
    create = core.dispatch(AccessRequest, "create")
    request = create(actor=system_principal(finding.tenant_id), data={
        "requester_id": finding.person_id, "principal_id": finding.person_id, "principal_type": PrincipalType.PERSON,
        "access_type": AccessType.NEW, "entitlement": entitlement, "system_id": entitlement.system_id,
        "entitlement_type": entitlement.name, "asset_id": entitlement.system_id,
        "justification": (f"Adopting access found in the target by reconciliation (finding {finding.pk}, "
                          f"account {finding.user_name}), adopted by {actor.person_id}."
                          + (f" {comment.strip()}" if comment.strip() else "")),
    })
    DriftFinding.objects.filter(pk=finding.pk).update(grant_request=request)  # read again by the transition's lock
    return core.record_transition(actor=actor, obj=finding, name="adopt", body={"comment": comment} if comment else {})
