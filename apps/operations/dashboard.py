from apps.core.dashboard import DashboardScope, dashboard_panel
from apps.core.work import works_on

from .models import AccessRequest, Equipment, HRRequest, Pending, Travel


@dashboard_panel(template="dashboard/operations.html", order=20)
def requests_waiting(scope: DashboardScope) -> dict:
    def waiting(label, model, changelist, statuses):
        if not works_on(scope.principal, model):
            return None  # not this role's work: no row of zeros
        rows = scope.visible(model).filter(status__in=statuses)
        param = {"status__exact": statuses[0]} if len(statuses) == 1 else {"status__in": ",".join(statuses)}
        return label, rows.count(), scope.link(changelist, **param)

    rows = [
            waiting("Access to approve", AccessRequest, "operations_accessrequest", ["pending"]),
            waiting("Access to provision", AccessRequest, "operations_accessrequest", ["approved"]),
            waiting("HR requests open", HRRequest, "operations_hrrequest", ["pending", "in_progress"]),
            waiting("Equipment requested", Equipment, "operations_equipment", ["requested"]),
            waiting("Travel to book", Travel, "operations_travel", ["approved"]),
            waiting("Queue items", Pending, "operations_pending", ["queued", "processing", "blocked"]),
    ]
    queues = [(AccessRequest, "Access to provision", scope.link("operations_accessrequest", status__exact="approved")),
              (Travel, "Travel to book", scope.link("operations_travel", status__exact="approved"))]
    return {"waiting": [row for row in rows if row is not None],
            "queues": [(label, url) for model, label, url in queues if works_on(scope.principal, model)]}
