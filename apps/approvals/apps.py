from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "apps.approvals"
    label = "approvals"
    verbose_name = "Approvals"

    def ready(self):
        from apps.core.events import event_emitted
        from apps.core.services import register_transition_guard

        from . import admin_waiting, dashboard, event_types, services  # noqa: F401  (record-page provider, panels, event types, services)
        from .receivers import decided_only_through_open_approval, open_approval_on_create

        event_emitted.connect(open_approval_on_create, dispatch_uid="approvals.open_on_create")
        register_transition_guard(decided_only_through_open_approval)
