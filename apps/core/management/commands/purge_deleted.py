from datetime import timedelta

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.core.models import TenantModel


class Command(BaseCommand):
    help = "Hard-delete records soft-deleted more than DAYS days ago (history rows are kept)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")

    def handle(self, *args, **opts):
        cutoff = timezone.now() - timedelta(days=opts["older_than"])
        total = 0
        for model in apps.get_models():
            if issubclass(model, TenantModel):
                count, _ = model.all_objects.filter(is_deleted=True, deleted_at__lt=cutoff).delete()
                if count:
                    self.stdout.write(f"{model._meta.label}: purged {count}")
                total += count
        self.stdout.write(f"purged {total} records deleted before {cutoff:%Y-%m-%d %H:%M}")
