from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "apps.helpdesk"
    label = "helpdesk"
    verbose_name = "Helpdesk"

    def ready(self):
        from . import dashboard, services  # noqa: F401  (register the dashboard panels and domain services)
