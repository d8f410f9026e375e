from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "apps.ops"
    label = "ops"
    verbose_name = "Operations plumbing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django_structlog.signals import bind_extra_request_finished_metadata, bind_extra_request_metadata

        from .logs import bind_client_ip, stamp_request_id

        bind_extra_request_metadata.connect(bind_client_ip, dispatch_uid="ops.bind_client_ip")
        bind_extra_request_finished_metadata.connect(stamp_request_id, dispatch_uid="ops.stamp_request_id")
