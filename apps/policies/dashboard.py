from datetime import timedelta

from apps.core.dashboard import DashboardScope, dashboard_panel

from .models import Policy


@dashboard_panel(template="dashboard/policies.html", order=60, model=Policy)
def policies_due(scope: DashboardScope) -> dict:
    due = scope.visible(Policy).filter(status="published", next_review_at__lte=scope.now + timedelta(days=30))
    return {"policies_due": list(due.order_by("next_review_at")[:8])}
