"""Which records can carry files, and how a record is found and seen through its reference.

A record is named by its type (the model label, `helpdesk.ticket`) and its id. Records of a
TenantModel keep their prefixed id (`tkt_01J…`); a policy version, a plain row, is named `pvr_<pk>`.
Who sees an attachment is exactly who sees its record: the record model's own visibility declaration
(`Model.objects.visible_to`), so a file can never be seen by someone the record is hidden from.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, QuerySet

from apps.core.principal import Principal


@dataclass(frozen=True)
class AttachableType:
    model: type[Model]
    # Roles (besides admin) who may add files; None: anyone who sees the record.
    attach_roles: tuple[str, ...] | None = None
    # The rows `principal` sees; default: the model's visibility declaration.
    visible: Callable[[Principal], QuerySet] | None = None
    # A reference prefix when the model's primary key is not a prefixed string.
    ref_prefix: str | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def may_attach(self, principal: Principal) -> bool:
        """Whether `principal` may add files to a record of this type they see (the service checks it;
        the Files panel offers its upload only then)."""
        return self.attach_roles is None or principal.has_role(*self.attach_roles)

    def visible_rows(self, principal: Principal) -> QuerySet:
        if self.visible is not None:
            return self.visible(principal)
        return self.model.objects.visible_to(principal)

    def ref_of(self, record) -> str:
        return f"{self.ref_prefix}_{record.pk}" if self.ref_prefix else str(record.pk)

    def pk_of(self, ref: str):
        """The primary key a reference names, or None when it cannot name one of this type."""
        if self.ref_prefix:
            head, _, tail = ref.partition("_")
            return int(tail) if head == self.ref_prefix and tail.isdigit() and len(tail) < 18 else None
        prefix = getattr(self.model, "id_prefix", None)
        return ref if prefix and ref.startswith(f"{prefix}_") else None


_TYPES: dict[str, AttachableType] = {}


def register_attachable(kind: AttachableType) -> AttachableType:
    _TYPES[kind.label] = kind
    return kind


def attachable_types() -> dict[str, AttachableType]:
    return dict(_TYPES)


def type_of_model(model) -> AttachableType | None:
    return _TYPES.get(model._meta.label_lower)


def type_of_ref(ref: str) -> AttachableType | None:
    for kind in _TYPES.values():
        if kind.pk_of(ref) is not None:
            return kind
    return None


def find_visible(principal: Principal, ref: str):
    """The record `ref` names if `principal` sees it, else None (unknown, another tenant's, hidden)."""
    kind = type_of_ref(ref)
    if kind is None:
        return None, None
    return kind, kind.visible_rows(principal).filter(pk=kind.pk_of(ref)).first()


def is_visible(principal: Principal, kind: AttachableType, record_id: str) -> bool:
    pk = kind.pk_of(record_id)
    return pk is not None and kind.visible_rows(principal).filter(pk=pk).exists()


def _policy_versions_visible(principal: Principal) -> QuerySet:
    from apps.policies.models import Policy, PolicyVersion

    return PolicyVersion.objects.filter(tenant_id=principal.tenant_id,
                                        policy__in=Policy.objects.visible_to(principal).values("pk"))


def register_default_types() -> None:
    from apps.helpdesk.models import Ticket, TicketComment
    from apps.operations.models import AccessRequest, Equipment, HRRequest, Travel
    from apps.policies.models import PolicyVersion

    from apps.lifecycle.models import OffboardingCase

    for model in (Ticket, TicketComment, HRRequest, Travel, Equipment, AccessRequest):
        register_attachable(AttachableType(model))
    # Evidence reports: the engine attaches them; people only read them.
    register_attachable(AttachableType(OffboardingCase, attach_roles=()))
    register_attachable(AttachableType(PolicyVersion, attach_roles=("hr",), visible=_policy_versions_visible,
                                       ref_prefix="pvr"))
