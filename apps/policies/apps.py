from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "apps.policies"
    label = "policies"
    verbose_name = "Policies"

    def ready(self):
        from . import dashboard, services  # noqa: F401  (register the dashboard panels and domain services)
