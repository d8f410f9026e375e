from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "apps.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self):
        from . import dashboard, event_types  # noqa: F401  (register panels, event types)
        from .receivers import wire

        wire()
