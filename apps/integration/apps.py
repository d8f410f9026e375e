from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "apps.integration"
    label = "integration"
    verbose_name = "Integration"

    def ready(self):
        from apps.core.events import event_committed

        from .receivers import enqueue_delivery

        event_committed.connect(enqueue_delivery, dispatch_uid="integration.enqueue_delivery")
