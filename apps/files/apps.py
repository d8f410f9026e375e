from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "apps.files"
    label = "files"
    verbose_name = "Files"

    def ready(self):
        from . import receivers, records, services  # noqa: F401  (attachable record types, deletion cascade, services)
        records.register_default_types()
