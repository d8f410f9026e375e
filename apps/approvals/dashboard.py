from apps.core.dashboard import DashboardScope, dashboard_panel

from .choices import OPEN_STEP_STATES
from .deciders import waiting_for
from .models import ApprovalStep


@dashboard_panel(template="dashboard/approvals.html", order=10)
def my_approvals(scope: DashboardScope) -> dict:
    steps = scope.visible(ApprovalStep).filter(status__in=OPEN_STEP_STATES).filter(
        waiting_for(scope.me)).select_related("approval_request")
    url = scope.link("approvals_approvalstep", mine="open")
    return {"my_approvals": list(steps.order_by("id")[:8]), "my_approvals_count": steps.count(),
            "my_approvals_url": url, "queues": [("My approvals", url)]}
