from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "apps.policies"
    label = "policies"
    verbose_name = "Policies"

    def ready(self):
        from . import services  # noqa: F401  (registers the domain services with @serves)
