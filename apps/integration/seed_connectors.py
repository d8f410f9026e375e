"""A demo connector that acts (idempotent, acme only): one SCIM-backed system, so a newcomer sees a grant
land (the catalog's seed, seed_catalog.py, has the manual systems).

The SCIM target is this product's own `/scim/v2` as the second demo tenant (globex) serves it, on the
loopback address `make run` serves (SITE_URL): approving acme's "Team chat · Chat admins" makes the
person a member of globex's directory group "Acme team chat admins", through the same HTTP calls a real
SCIM app gets. Its token lives in the secret store, like any connector's credentials.
"""
from django.conf import settings

from apps.core import services as core
from apps.core.principal import Principal, system_principal

TARGET_TENANT = "globex"
LOOPBACK = "backoffice-loopback"  # the demo connector's provider: this product's own /scim/v2
SCIM_SYSTEM, SCIM_ENTITLEMENT = "Team chat", "Chat admins"


def seed_acting_connectors(*, tenant, people: dict, actor: Principal) -> str:
    from apps.directory.models import Group
    from apps.directory.services import scim_token_create
    from apps.approvals.models import ApprovalChain
    from apps.core.models import Tenant

    from .catalog import access_system_create, entitlement_create
    from .catalog_models import AccessSystem
    from .services import connector_create

    if tenant.id != "acme":
        return ""
    if AccessSystem.all_objects.filter(tenant_id=tenant.id, name=SCIM_SYSTEM).exists():
        return follow_site_url(tenant=tenant, actor=actor)
    Tenant.objects.get_or_create(id=TARGET_TENANT, defaults={"name": "Globex Corporation"})
    target = system_principal(TARGET_TENANT)
    token = scim_token_create(actor=target, data={"name": "Acme demo: team chat connector"}).raw_token
    group = core.record_create(actor=target, obj=Group(display_name="Acme team chat admins"))
    connector = connector_create(actor=actor, data={
        "type": "scim", "provider": LOOPBACK, "name": "Team chat (SCIM, demo loopback)",
        "config": {"base_url": _base_url(), "membership_check": "read", "timeout": 5},
        "credentials": {"token": token}, "owner_id": people["it"],
    })
    chat = access_system_create(actor=actor, data={
        "name": SCIM_SYSTEM, "description": "Granted through SCIM (the demo target: globex's /scim/v2).",
        "connector": connector, "owner_id": people["it"]})
    # One approval (the approver's) and the grant lands: the demo's default chain asks two people.
    chain = core.record_create(actor=actor, obj=ApprovalChain(
        name="Team chat: the approver decides", entity_type="AccessRequest", approver_ids=[people["approver"]],
        due_in_hours=48))
    entitlement_create(actor=actor, data={
        "system": chat, "name": SCIM_ENTITLEMENT, "kind": "group", "target_ref": group.id, "risk": "low",
        "default_duration_days": 30, "description": "Administer the team chat workspace.", "approval_chain": chain})
    return ", 1 SCIM-backed system"


def _base_url() -> str:
    return f"{settings.SITE_URL.rstrip('/')}/scim/v2"


def follow_site_url(*, tenant, actor: Principal) -> str:
    """Seeded before on another address (`make run PORT=8001` after a first run on 8000): the loopback
    connector follows SITE_URL, so a grant still lands on the server that runs now."""
    from .models import Connector
    from .services import connector_update

    connector = Connector.objects.filter(tenant_id=tenant.id, provider=LOOPBACK).first()
    if connector is None or (connector.config or {}).get("base_url") == _base_url():
        return ""
    connector_update(actor=actor, obj=connector, data={"config": {**connector.config, "base_url": _base_url()}})
    return f", the SCIM demo target moved to {_base_url()}"
