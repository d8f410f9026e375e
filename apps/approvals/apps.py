from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "apps.approvals"
    label = "approvals"
    verbose_name = "Approvals"

    def ready(self):
        from apps.core.events import event_emitted

        from .receivers import open_approval_on_create

        event_emitted.connect(open_approval_on_create, dispatch_uid="approvals.open_on_create")
