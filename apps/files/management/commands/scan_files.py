from django.core.management.base import BaseCommand

from apps.files.services import files_rescan


class Command(BaseCommand):
    help = "Scan again the files the malware scanner could not answer for (pending): each becomes clean or quarantined."

    def handle(self, *args, **opts):
        done = files_rescan()
        self.stdout.write(f"{done['clean']} clean, {done['quarantined']} quarantined, {done['pending']} still pending")
