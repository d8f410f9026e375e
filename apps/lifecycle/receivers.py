"""The lifecycle's wiring to other domains' events: one map of (model label, action) to reaction."""
from apps.core.reactions import Reactions, connect_reactions


def _reactions() -> Reactions:
    from . import movers, reactions

    return {
        ("directory.person", "deactivated"): lambda obj, actor, event: reactions.person_deactivated(person=obj, actor=actor),
        ("directory.person", "deleted"): lambda obj, actor, event: reactions.person_deleted(person=obj, actor=actor),
        ("directory.person", "reactivated"): lambda obj, actor, event: reactions.person_reactivated(person=obj, actor=actor),
        ("directory.person", "created"): lambda obj, actor, event: movers.person_joined(person=obj),
        ("directory.person", "updated"): lambda obj, actor, event: movers.person_changed(person=obj),
        ("directory.group", "members_changed"): lambda obj, actor, event: movers.group_members_changed(
            group=obj, changed=[*event.payload["added"], *event.payload["removed"]]),
        ("operations.accessrequest", "provisioning_succeeded"):
            lambda obj, actor, event: reactions.access_provisioned(grant=obj, actor=actor),
        ("operations.accessrequest", "provisioned"):
            lambda obj, actor, event: reactions.access_provisioned(grant=obj, actor=actor),
        ("operations.accessrequest", "revoked"):
            lambda obj, actor, event: reactions.access_revoked(grant=obj, actor=actor),
        ("operations.equipment", "returned"):
            lambda obj, actor, event: reactions.equipment_returned(equipment=obj, actor=actor),
    }


def wire() -> None:
    connect_reactions(_reactions, uid="lifecycle.reactions")
