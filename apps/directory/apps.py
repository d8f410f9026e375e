from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "apps.directory"
    label = "directory"
    verbose_name = "Directory"

    def ready(self):
        from apps.core.directory_link import DirectoryLink, link_directory

        from . import event_types, services
        from .models import Group, Person

        event_types.declare()
        link_directory(DirectoryLink(person=Person, group=Group, check_references=services.check_references,
                                     is_deactivated=services.is_deactivated, token_maker=services.token_maker))
