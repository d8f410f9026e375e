from django.apps import AppConfig


class HelpdeskMailConfig(AppConfig):
    name = "apps.helpdesk_mail"
    label = "helpdesk_mail"
    verbose_name = "Helpdesk by e-mail"

    def ready(self):
        from apps.notifications import recipients

        from .requesters import external_addresses

        # People who wrote in without a directory entry hear of their tickets at the address they wrote from.
        recipients.register_address_source(external_addresses)
