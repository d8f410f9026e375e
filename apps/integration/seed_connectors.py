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
SCIM_SYSTEM, SCIM_ENTITLEMENT = "Team chat", "Chat admins"


def seed_acting_connectors(*, tenant, people: dict, actor: Principal) -> str:
    from apps.core.directory import Group
    from apps.core.directory_services import scim_token_create
    from apps.core.models import Tenant

    from .catalog import access_system_create, entitlement_create
    from .catalog_models import AccessSystem
    from .services import connector_create

    if tenant.id != "acme" or AccessSystem.all_objects.filter(tenant_id=tenant.id, name=SCIM_SYSTEM).exists():
        return ""
    Tenant.objects.get_or_create(id=TARGET_TENANT, defaults={"name": "Globex Corporation"})
    target = system_principal(TARGET_TENANT)
    token = scim_token_create(actor=target, data={"name": "Acme demo: team chat connector"}).raw_token
    group = core.record_create(actor=target, obj=Group(display_name="Acme team chat admins"))
    connector = connector_create(actor=actor, data={
        "type": "scim", "provider": "backoffice-loopback", "name": "Team chat (SCIM, demo loopback)",
        "config": {"base_url": f"{settings.SITE_URL.rstrip('/')}/scim/v2", "membership_check": "read", "timeout": 5},
        "credentials": {"token": token}, "owner_id": people["it"],
    })
    chat = access_system_create(actor=actor, data={
        "name": SCIM_SYSTEM, "description": "Granted through SCIM (the demo target: globex's /scim/v2).",
        "connector": connector, "owner_id": people["it"]})
    entitlement_create(actor=actor, data={
        "system": chat, "name": SCIM_ENTITLEMENT, "kind": "group", "target_ref": group.id, "risk": "low",
        "default_duration_days": 30, "description": "Administer the team chat workspace."})
    return ", 1 SCIM-backed system"
