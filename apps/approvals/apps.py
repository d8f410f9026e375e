from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "apps.approvals"
    label = "approvals"
    verbose_name = "Approvals"

    def ready(self):
        from . import admin_waiting, dashboard, event_types  # noqa: F401  (record-page provider, panels, event types)
        from .reactions import wire

        wire()  # the cross-domain reactions, listed in apps/approvals/reactions.py
