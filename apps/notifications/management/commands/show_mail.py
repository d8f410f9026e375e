from django.core.management.base import BaseCommand, CommandError

from apps.notifications.models import Notification


class Command(BaseCommand):
    help = ("Print a sent or queued e-mail in full (its id is in the one-line summary of development mail); "
            "without an id, list the latest ones.")

    def add_arguments(self, parser):
        parser.add_argument("notification", nargs="?", help="the notification id (ntf_…)")
        parser.add_argument("--latest", type=int, default=20, help="how many to list without an id")

    def handle(self, *args, notification=None, latest=20, **opts):
        if notification is None:
            for row in Notification.objects.order_by("-created_at")[:latest]:
                self.stdout.write(f"{row.id}  {row.status:<8} {row.recipient_email or row.recipient_id}: {row.subject}")
            return
        row = Notification.objects.filter(pk=notification).first()
        if row is None:
            raise CommandError(f"No notification {notification}: `manage.py show_mail` lists the latest.")
        self.stdout.write(f"To: {row.recipient_email or row.recipient_id}\nSubject: {row.subject}\n"
                          f"Status: {row.status}\n\n{row.text_body}")
