from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "apps.letters"
    label = "letters"
    verbose_name = "HR letters"

    def ready(self):
        from . import services  # noqa: F401  (services)
