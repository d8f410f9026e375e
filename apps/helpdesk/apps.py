from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "apps.helpdesk"
    label = "helpdesk"
    verbose_name = "Helpdesk"

    def ready(self):
        from . import services  # noqa: F401  (registers the domain services with @serves)
