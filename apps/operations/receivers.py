"""Operations' wiring to the directory's events: a group's grants through a connector follow the group's
members (apps/operations/group_provisioning.py). One map of (model label, action) to reaction."""
from apps.core.reactions import Reactions, connect_reactions


def _reactions() -> Reactions:
    from .group_provisioning import follow_groups, groups_reaching

    return {
        ("directory.group", "members_changed"): lambda obj, actor, event: follow_groups(tenant_id=obj.tenant_id, group_ids=[obj.pk]),
        ("directory.person", "deactivated"): lambda obj, actor, event: follow_groups(tenant_id=obj.tenant_id, group_ids=groups_reaching(obj)),
        ("directory.person", "reactivated"): lambda obj, actor, event: follow_groups(tenant_id=obj.tenant_id, group_ids=groups_reaching(obj)),
        ("directory.person", "deleted"): lambda obj, actor, event: follow_groups(tenant_id=obj.tenant_id, group_ids=groups_reaching(obj)),
    }


def wire() -> None:
    connect_reactions(_reactions, uid="operations.group_grants_follow")
