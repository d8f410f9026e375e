from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self):
        # The OpenAPI machinery (apps/core/api/schema.py: its auth extensions, the enums' names) loads when
        # a schema is generated, never in a process that only serves requests or runs commands.
        from . import event_catalogue, event_types  # noqa: F401  (the outbox's event types; identity changes')

        event_catalogue.declare_every_record_event()
        event_types.declare()
