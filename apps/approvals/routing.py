"""Which approvers a record gets (its route), and when a rule approves it without anyone.

In order:
1. auto-approval: a low-risk catalog entitlement naming groups in `auto_approve_group_ids`
   approves a request its requester files for themselves when they are an active member of one of
   those groups — never when they own the entitlement (its owner, or a member of its owner group);
2. the entitlement's own `approval_chain`;
3. the first active routing rule (by position) whose conditions hold (apps/approvals/rules.py);
4. the default chain of the record's type (its newest active chain that no active rule picks and no
   entitlement names).
"""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Exists, OuterRef

from apps.directory.models import Group

from .choices import RouteSource
from .models import ApprovalChain, ApprovalRule
from .outcomes import normalize
from .rules import amount_field


@dataclass(frozen=True)
class Route:
    chain: ApprovalChain | None
    source: str = RouteSource.DEFAULT
    rule: ApprovalRule | None = None


@dataclass(frozen=True)
class AutoApproval:
    entitlement: object
    group: Group

    @property
    def reason(self) -> str:
        return (f"Approved by rule: {self.entitlement} is auto-approved for members of "
                f"{self.group.display_name or self.group.pk} ({self.group.pk}).")


def default_chain(*, tenant_id: str, entity_type: str) -> ApprovalChain | None:
    """The newest active chain of the type that no active routing rule picks and no entitlement names (a
    rule's chain is that rule's, an entitlement's is that entitlement's)."""
    from apps.integration.catalog_models import Entitlement

    wanted = normalize(entity_type)
    routed = ApprovalRule.objects.filter(chain=OuterRef("pk"), is_active=True, is_deleted=False)
    owned = Entitlement.objects.filter(approval_chain=OuterRef("pk"))
    chains = (ApprovalChain.objects.filter(tenant_id=tenant_id, is_active=True).exclude(Exists(routed))
              .exclude(Exists(owned)).order_by("-id"))
    return next((c for c in chains if normalize(c.entity_type) == wanted), None) if wanted else None


def entitlement_of(obj):
    """The catalog entitlement a record asks for (an access request naming one), else None."""
    return getattr(obj, "entitlement", None) if getattr(obj, "entitlement_id", None) else None


def amount_of(obj) -> Decimal | None:
    name = amount_field(type(obj))
    value = getattr(obj, name, None) if name else None
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def record_owner(obj) -> tuple[str, str] | None:
    """(owner id, 'person' | 'group') of what the record asks for: its entitlement's owner, else its system's."""
    entitlement = entitlement_of(obj)
    if entitlement is None:
        return None
    owner_id, owner_type = entitlement.effective_owner()
    return (owner_id, owner_type or "person") if owner_id else None


def rule_matches(rule: ApprovalRule, obj) -> bool:
    if rule.entity_type and normalize(rule.entity_type) != normalize(type(obj).__name__):
        return False
    if rule.risk_in:
        entitlement = entitlement_of(obj)
        if entitlement is None or entitlement.risk not in rule.risk_in:
            return False
    if rule.amount_at_least is not None:
        amount = amount_of(obj)
        if amount is None or amount < rule.amount_at_least:
            return False
    return True


def route_for(obj) -> Route:
    """The chain a record of this project gets, and what picked it."""
    entitlement = entitlement_of(obj)
    chain = getattr(entitlement, "approval_chain", None) if entitlement is not None else None
    if chain is not None and chain.is_active and not chain.is_deleted:
        return Route(chain=chain, source=RouteSource.ENTITLEMENT)
    rules = (ApprovalRule.objects.filter(tenant_id=obj.tenant_id, is_active=True, chain__is_active=True,
                                         chain__is_deleted=False)
             .select_related("chain").order_by("position", "id"))
    for rule in rules:
        if rule_matches(rule, obj):
            return Route(chain=rule.chain, source=RouteSource.RULE, rule=rule)
    return Route(chain=default_chain(tenant_id=obj.tenant_id, entity_type=type(obj).__name__))


def _members(tenant_id: str, group_ids: list[str], person_id: str) -> list[Group]:
    return list(Group.objects.filter(tenant_id=tenant_id, pk__in=group_ids, members__id=person_id,
                                     members__active=True, members__is_deleted=False).order_by("display_name", "pk"))


def auto_approval(obj) -> AutoApproval | None:
    """The rule approving `obj` without a person, or None (see the module's docstring)."""
    entitlement = entitlement_of(obj)
    if entitlement is None or not entitlement.auto_approve_group_ids or entitlement.risk != "low":
        return None
    requester = obj.requester_person_id
    principal = getattr(obj, "principal_id", None)
    if not requester or (principal and principal != requester) or getattr(obj, "principal_type", None) == "group":
        return None  # only access a person asks for themselves
    owner = record_owner(obj)
    if owner is not None:
        owner_id, owner_type = owner
        if owner_id == requester or (owner_type == "group" and _members(obj.tenant_id, [owner_id], requester)):
            return None  # the owner's own access is decided by someone else
    groups = _members(obj.tenant_id, list(entitlement.auto_approve_group_ids), requester)
    return AutoApproval(entitlement=entitlement, group=groups[0]) if groups else None
