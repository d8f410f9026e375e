"""Demo connectors that act (idempotent, acme only): one SCIM-backed system and one manual system, so a
newcomer sees a grant land.

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
MANUAL_SYSTEM, MANUAL_ENTITLEMENT = "Badge office", "Server room badge"


def seed_acting_connectors(*, tenant, people: dict, actor: Principal) -> str:
    from apps.core.directory import Group
    from apps.core.directory_services import scim_token_create
    from apps.core.models import Tenant

    from .catalog_models import AccessSystem, Entitlement
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
    chat = core.record_create(actor=actor, obj=AccessSystem(
        name=SCIM_SYSTEM, description="Granted through SCIM (the demo target: globex's /scim/v2).",
        connector=connector, owner_id=people["it"]))
    core.record_create(actor=actor, obj=Entitlement(
        system=chat, name=SCIM_ENTITLEMENT, kind="group", target_ref=group.id, risk="low", default_duration_days=30,
        description="Administer the team chat workspace."))
    badges = core.record_create(actor=actor, obj=AccessSystem(
        name=MANUAL_SYSTEM, description="No connector: the owner gets a task and grants it by hand.",
        owner_id=people["admin"]))
    core.record_create(actor=actor, obj=Entitlement(
        system=badges, name=MANUAL_ENTITLEMENT, kind="permission", risk="medium", max_duration_days=90))
    return ", 1 SCIM-backed and 1 manual system"
