from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "apps.reviews"
    label = "reviews"
    verbose_name = "Access reviews"

    def ready(self):
        from . import event_types  # noqa: F401  (event types)
        from .reactions import wire

        wire()
