from django.db.models import Q

from apps.core.dashboard import DashboardScope, dashboard_panel

from .models import Webhook


@dashboard_panel(template="dashboard/integration.html", order=70, model=Webhook)
def failing_webhooks(scope: DashboardScope) -> dict:
    failing = scope.visible(Webhook).filter(Q(consecutive_failures__gt=0) | Q(paused_at__isnull=False))
    return {"failing_webhooks": list(failing.order_by("-consecutive_failures")[:8])}
