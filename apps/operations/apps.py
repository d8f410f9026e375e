from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "apps.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self):
        from . import services  # noqa: F401  (registers the domain services with @serves)
