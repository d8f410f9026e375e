from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from apps.core.events import event_committed

        from .receivers import enqueue_pass

        event_committed.connect(enqueue_pass, dispatch_uid="notifications.enqueue_pass")
