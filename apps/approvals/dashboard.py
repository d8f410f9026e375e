from apps.core.dashboard import DashboardScope, dashboard_panel

from .choices import OPEN_STEP_STATES
from .deciders import needing_reassignment, waiting_for
from .models import ApprovalStep
from .summaries import summarise


@dashboard_panel(template="dashboard/approvals.html", order=10, model=ApprovalStep)
def my_approvals(scope: DashboardScope) -> dict:
    steps = scope.visible(ApprovalStep).filter(status__in=OPEN_STEP_STATES).filter(
        waiting_for(scope.me, tenant_id=scope.principal.tenant_id)).select_related("approval_request")
    url = scope.link("approvals_approvalstep", mine="open")
    return {"my_approvals": summarise(steps.order_by("id")[:8]), "my_approvals_count": steps.count(),
            "my_approvals_url": url, "queues": [("My approvals", url)]}


@dashboard_panel(template="dashboard/approvals_reassign.html", order=15, model=ApprovalStep)
def approvals_to_reassign(scope: DashboardScope) -> dict:
    """Open steps nobody may decide any more: for admins, who may delegate them to someone active."""
    if not scope.principal.has_role("admin"):
        return {"steps_to_reassign_count": None}
    return {"steps_to_reassign_count": needing_reassignment(
        scope.visible(ApprovalStep), tenant_id=scope.principal.tenant_id).count(),
            "steps_to_reassign_url": scope.link("approvals_approvalstep", reassign="needed")}
