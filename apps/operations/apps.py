from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "apps.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self):
        from . import dashboard, services  # noqa: F401  (register the dashboard panels and domain services)
