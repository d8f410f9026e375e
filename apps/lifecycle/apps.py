from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "apps.lifecycle"
    label = "lifecycle"
    verbose_name = "Joiners, movers and leavers"

    def ready(self):
        from . import event_types, receivers  # noqa: F401  (event types)

        receivers.wire()
