from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "apps.integration"
    label = "integration"
    verbose_name = "Integration"

    def ready(self):
        from apps.core.events import event_committed, event_emitted

        from . import dashboard, event_types  # noqa: F401  (register panels, event types)
        from .models import IntegrationApiKey
        from .receivers import enqueue_delivery, scrub_event_payload

        event_committed.connect(enqueue_delivery, dispatch_uid="integration.enqueue_delivery")
        event_emitted.connect(scrub_event_payload, sender=IntegrationApiKey, dispatch_uid="integration.scrub_key_events")
