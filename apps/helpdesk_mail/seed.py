"""The demo tenants' helpdesk addresses (idempotent): `help@<tenant>.invalid`."""
from apps.core import services as core
from apps.core.principal import Principal

from .models import MailSettings


def seed(*, tenant, people: dict, actor: Principal) -> str:
    address = f"help@{tenant.id}.invalid"
    if not MailSettings.all_objects.filter(tenant_id=tenant.id).exists():
        core.record_create(actor=actor, obj=MailSettings(address=address))
    return f"helpdesk address {address}"
