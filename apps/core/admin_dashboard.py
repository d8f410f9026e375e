"""The staff dashboard (admin index): today's work for the staff member's tenant, assembled from
the panels the apps register (apps.core.dashboard). A superuser of no tenant picks one; a staff
user of no tenant sees nothing. Every query is bounded (counts and grouped aggregates over indexed
columns, short lists with LIMIT, fixed time windows), whatever the size of the tables."""
from django.utils import timezone

from .admin_scope import is_unbound_superuser, principal_for
from .dashboard import DashboardScope, panels
from .models import Tenant


def dashboard_data(request) -> dict:
    superuser = is_unbound_superuser(request)
    principal = principal_for(request)
    if principal is None:
        return {"tenant": None, "choose_tenant": superuser,
                "tenants": list(Tenant.objects.order_by("id")[:50]) if superuser else []}
    scope = DashboardScope(principal=principal, now=timezone.now(), superuser=superuser)
    data = {"me": principal.person_id, "tenant": principal.tenant_id, "panels": panels(principal), "queues": []}
    for panel in data["panels"]:
        context = panel.build(scope)
        data["queues"] += context.pop("queues", [])
        data.update(context)
    return data


def dashboard_callback(request, context):
    context.update(dashboard_data(request))
    # The header's <h1> names the page: the dashboard has one heading of that rank, not two.
    context["title"] = (f"Today in {context['tenant']}" if context["tenant"]
                        else "Choose a tenant" if context.get("choose_tenant") else "No tenant")
    return context
