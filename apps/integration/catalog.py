"""Writing the access catalog: every reference (connector, system, approval chain, owner, groups)
names a record of the caller's tenant, whoever writes (API or admin); another tenant's is unknown here."""
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core import services as core
from apps.core.person_fields import GROUP, approver_kind
from apps.directory.models import Group
from apps.core.principal import Principal

from .catalog_models import AccessSystem, Entitlement
from .choices import OwnerType, Risk


def _tenant_record(actor: Principal, data: dict, field: str, model, what: str):
    """`<field>_id` (API) or `<field>` (an instance: the admin) as a record of the caller's tenant;
    absent: left as it is (the key is removed from `data` and set back as the instance)."""
    key = f"{field}_id"
    if key not in data and field not in data:
        return
    value = data.pop(key) if key in data else data.pop(field)
    data.pop(field, None)
    if value in (None, ""):
        data[field] = None
        return
    found = (value if isinstance(value, model) else
             model.objects.filter(tenant_id=actor.tenant_id, pk=value).first() if isinstance(value, str) else None)
    if found is None or found.tenant_id != actor.tenant_id or found.is_deleted:
        raise ValidationError({key: f"No such {what} in your tenant."})
    data[field] = found


def _owner(actor: Principal, data: dict, *, required_type: bool) -> None:
    """The owner's type follows its id (a group's `grp_…`, else a person); a type saying otherwise is refused."""
    if "owner_id" not in data:
        return
    owner = data["owner_id"] or None
    data["owner_id"] = owner
    if owner is None:
        if "owner_type" in data or not required_type:
            data["owner_type"] = OwnerType.PERSON if required_type else None
        return
    kind = OwnerType.GROUP if approver_kind(owner) == GROUP else OwnerType.PERSON
    if data.get("owner_type") and data["owner_type"] != kind:
        raise ValidationError({"owner_type": f"{owner!r} is a {kind}, not a {data['owner_type']}."})
    data["owner_type"] = kind
    if kind == OwnerType.GROUP and not Group.objects.filter(tenant_id=actor.tenant_id, pk=owner).exists():
        raise ValidationError({"owner_id": f"Not a group of this tenant's directory: {owner}."})


def _auto_approve_groups(actor: Principal, data: dict) -> None:
    ids = data.get("auto_approve_group_ids")
    if ids is None:
        return
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ValidationError({"auto_approve_group_ids": "A list of group ids."})
    data["auto_approve_group_ids"] = ids = list(dict.fromkeys(ids))
    known = set(Group.objects.filter(tenant_id=actor.tenant_id, pk__in=ids).values_list("pk", flat=True))
    if unknown := [i for i in ids if i not in known]:
        raise ValidationError({"auto_approve_group_ids": f"Not groups of this tenant's directory: {', '.join(unknown)}."})


def _check_auto_approve(obj: Entitlement) -> None:
    if obj.auto_approve_group_ids and obj.risk != Risk.LOW:
        raise ValidationError({"auto_approve_group_ids": "Only a low-risk entitlement may be auto-approved."})


def _system_data(actor: Principal, data: dict) -> dict:
    from .models import Connector

    data = dict(data)
    _tenant_record(actor, data, "connector", Connector, "connector")
    _owner(actor, data, required_type=True)
    return data


def _entitlement_data(actor: Principal, data: dict) -> dict:
    from apps.approvals.models import ApprovalChain

    data = dict(data)
    _tenant_record(actor, data, "system", AccessSystem, "system")
    _tenant_record(actor, data, "approval_chain", ApprovalChain, "approval chain")
    _owner(actor, data, required_type=False)
    _auto_approve_groups(actor, data)
    return data


@transaction.atomic
def access_system_create(*, actor: Principal, data: dict) -> AccessSystem:
    return core.record_create(actor=actor, obj=AccessSystem(**_system_data(actor, data)))


@transaction.atomic
def access_system_update(*, actor: Principal, obj: AccessSystem, data: dict, if_match: str | None = None) -> AccessSystem:
    return core.record_update(actor=actor, obj=obj, data=_system_data(actor, data), if_match=if_match)


@transaction.atomic
def entitlement_create(*, actor: Principal, data: dict) -> Entitlement:
    data = _entitlement_data(actor, data)
    if data.get("system") is None:
        raise ValidationError({"system_id": "Name the system this entitlement belongs to."})
    obj = Entitlement(**data)
    _check_auto_approve(obj)
    return core.record_create(actor=actor, obj=obj)


@transaction.atomic
def entitlement_update(*, actor: Principal, obj: Entitlement, data: dict, if_match: str | None = None) -> Entitlement:
    data = _entitlement_data(actor, data)
    if "system" in data and data["system"] is None:
        raise ValidationError({"system_id": "An entitlement belongs to a system."})
    return core.record_update(actor=actor, obj=obj, data=data, if_match=if_match,
                              prepare=lambda entitlement, changed: _check_auto_approve(entitlement))
