from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "apps.policies"
    label = "policies"
    verbose_name = "Policies"

    def ready(self):
        from . import dashboard, event_types  # noqa: F401  (register panels, event types)
