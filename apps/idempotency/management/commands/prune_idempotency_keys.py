from django.core.management.base import BaseCommand

from apps.idempotency.services import idempotency_key_prune, retention


class Command(BaseCommand):
    help = "Delete stored Idempotency-Key answers older than the retention window (IDEMPOTENCY_KEY_TTL_HOURS)."

    def handle(self, *args, **options):
        deleted = idempotency_key_prune()
        self.stdout.write(f"Pruned {deleted} idempotency keys older than {retention()}.")
