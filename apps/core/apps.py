from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self):
        from .api import schema  # noqa: F401  (registers OpenAPI auth extensions)

        schema.name_enums_after_models()
        from . import event_catalogue, event_types  # noqa: F401  (the outbox's event types; the directory's own)

        event_catalogue.declare_every_record_event()
        event_types.declare()
