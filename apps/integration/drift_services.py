"""Resolving a drift finding: the same services run from the admin's buttons, the API and any caller.

Revoke and re-grant go through the connector after commit, on the task backend (no call to a target is
made inside a request's transaction): the finding is `revoking`/`regranting` until `drift_finding_apply`
has the target do it and read it back (`verify`); confirmed, it is `revoked`/`regranted`; refused or
unconfirmed, it is `open` again with the target's message in `last_error`. Adopting files an access
request for the person, filed by the system (so neither the IT member nor the owner who adopts is its
creator and the owner may approve it), routed like any access request for that entitlement.
"""
import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core import services as core
from apps.core.actions import action, transition_action
from apps.directory.models import Person
from apps.core.principal import Principal, system_principal

from .choices import FindingStatus
from .connectors.base import ConnectorError, PersonRef
from .drift_models import DriftFinding
from .reconcile import connector_implementation

logger = logging.getLogger(__name__)


def _person_ref(finding: DriftFinding) -> PersonRef:
    person = Person.objects.filter(tenant_id=finding.tenant_id, pk=finding.person_id).first() if finding.person_id else None
    if person is None:
        return PersonRef(person_id="", user_name=finding.user_name)
    return PersonRef(person_id=person.pk, user_name=finding.user_name, email=person.email,
                     display_name=person.display_name, given_name=person.given_name, family_name=person.family_name)


def _queue(finding_id: str) -> None:
    from .tasks import apply_drift_resolution

    try:
        apply_drift_resolution.enqueue(finding_id=finding_id)
    except Exception:  # the queue is down: the change is committed; the next sync or a retry picks it up
        logger.warning("could not queue the drift resolution of %s", finding_id, exc_info=True)


@action(DriftFinding, "revoke")
@transaction.atomic
def drift_finding_revoke(*, actor: Principal, drift_finding: DriftFinding, comment: str = "",
                         if_match: str | None = None) -> DriftFinding:
    finding = core.record_transition(actor=actor, obj=drift_finding, name="revoke", comment=comment,
                                     params={"actor": actor}, if_match=if_match)
    transaction.on_commit(lambda: _queue(finding.pk))
    return finding


@action(DriftFinding, "regrant")
@transaction.atomic
def drift_finding_regrant(*, actor: Principal, drift_finding: DriftFinding, comment: str = "",
                          if_match: str | None = None) -> DriftFinding:
    finding = core.record_transition(actor=actor, obj=drift_finding, name="regrant", comment=comment,
                                     params={"actor": actor}, if_match=if_match)
    transaction.on_commit(lambda: _queue(finding.pk))
    return finding


drift_finding_dismiss = transition_action(DriftFinding, "dismiss", with_actor=True)
# The resolution task's outcomes (drift_finding_apply): what the target refused or did not confirm.
drift_finding_revoke_failed = transition_action(DriftFinding, "revoke_failed", params={"error": str}, engine=True)
drift_finding_regrant_failed = transition_action(DriftFinding, "regrant_failed", params={"error": str}, engine=True)
drift_finding_confirm_revoked = transition_action(DriftFinding, "confirm_revoked")
drift_finding_confirm_regranted = transition_action(DriftFinding, "confirm_regranted")
drift_finding_close = transition_action(DriftFinding, "close")


def drift_finding_apply(*, finding_id: str) -> DriftFinding | None:
    """Have the target revoke or re-grant what a `revoking`/`regranting` finding asks, read it back, and
    record the outcome (the task's body; idempotent: grant and revoke are, and a settled finding is left)."""
    finding = DriftFinding.objects.filter(pk=finding_id).select_related("connector", "entitlement").first()
    if finding is None or finding.status not in (FindingStatus.REVOKING, FindingStatus.REGRANTING):
        return finding
    grant = finding.status == FindingStatus.REGRANTING
    error = ""
    target = None
    try:
        target = connector_implementation(finding.connector)
        person, ref = _person_ref(finding), finding.entitlement.target_ref
        if grant:
            target.grant(person=person, entitlement=ref)
        else:
            target.revoke(person=person, entitlement=ref)
        if target.verify(person=person, entitlement=ref) != grant:
            error = "The target did not confirm the change on reading it back."
    except ConnectorError as exc:
        error = str(exc)
    finally:
        if target is not None and hasattr(target, "close"):
            target.close()
    actor = system_principal(finding.tenant_id)
    with transaction.atomic():
        finding = core.lock(finding)
        if finding.status not in (FindingStatus.REVOKING, FindingStatus.REGRANTING):
            return finding  # a sync closed it meanwhile
        if error:
            failed = drift_finding_regrant_failed if grant else drift_finding_revoke_failed
            return failed(actor=actor, drift_finding=finding, error=error)
        confirm = drift_finding_confirm_regranted if grant else drift_finding_confirm_revoked
        return confirm(actor=actor, drift_finding=finding, check_permission=False)


@action(DriftFinding, "adopt")
@transaction.atomic
def drift_finding_adopt(*, actor: Principal, drift_finding: DriftFinding, comment: str = "",
                        if_match: str | None = None) -> DriftFinding:
    from apps.core.fsm import available_transitions, transitions_of
    from apps.operations.choices import AccessType, PrincipalType
    from apps.operations.services import access_request_create

    finding = core.lock(drift_finding)
    core.check_if_match(finding, if_match)
    # Refuse before filing anything what the transition itself would refuse.
    if (denial := core.transition_denial(actor=actor, obj=finding, info=transitions_of(DriftFinding)["adopt"])):
        raise core.Forbidden(denial)
    if "adopt" not in available_transitions(finding):
        raise core.TransitionConflict(f"'adopt' is not allowed for this finding ({finding.kind}, {finding.status}).",
                                      allowed_transitions=available_transitions(finding))
    entitlement = finding.entitlement
    if not Person.objects.filter(tenant_id=finding.tenant_id, pk=finding.person_id, active=True).exists():
        raise ValidationError({"person_id": "The person with this account is not active in the directory: revoke or "
                                            "dismiss it."})
    request = access_request_create(actor=system_principal(finding.tenant_id), data={
        "requester_id": finding.person_id, "principal_id": finding.person_id, "principal_type": PrincipalType.PERSON,
        "access_type": AccessType.NEW, "entitlement": entitlement,
        "justification": (f"Adopting access found in the target by reconciliation (finding {finding.pk}, "
                          f"account {finding.user_name}), adopted by {actor.person_id}."
                          + (f" {comment.strip()}" if comment.strip() else "")),
    })
    DriftFinding.objects.filter(pk=finding.pk).update(grant_request=request)  # read again by the transition's lock
    return core.record_transition(actor=actor, obj=finding, name="adopt", comment=comment, params={"actor": actor})
