"""Demo application, connector and webhook (idempotent)."""
from apps.core.principal import Principal

from .models import Application
from .seed_catalog import seed_catalog
from .seed_connectors import seed_acting_connectors
from .services import connector_create


def seed(*, tenant, people: dict, actor: Principal) -> str:
    catalog = seed_catalog(tenant=tenant, people=people, actor=actor)
    if Application.all_objects.filter(tenant_id=tenant.id).exists():
        return f"already seeded; {catalog}" + seed_acting_connectors(tenant=tenant, people=people, actor=actor)
    from apps.core import services as core

    app = core.record_create(actor=actor, obj=Application(
        display_name="HR portal", slug="hr-portal", kind="app", primary_domain="operations",
        oauth_client_id=f"{tenant.id}-hr-portal", description="Self-service portal for employees"))
    connector_create(actor=actor, data={
        # kept by hand (manual); its address is a name under .invalid, nothing could reach it (RFC 6761)
        "type": "manual", "provider": "okta", "name": "Okta directory",
        "config": {"baseUrl": f"https://{tenant.id}.okta.invalid"},
        "credentials": {"client_secret": "demo-only"}, "application_id": app.id, "sync_status": "healthy",
    })
    return f"1 application, 1 connector; {catalog}" + seed_acting_connectors(tenant=tenant, people=people, actor=actor)
