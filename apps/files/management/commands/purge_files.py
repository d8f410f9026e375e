from django.core.management.base import BaseCommand

from apps.files.services import files_purge


class Command(BaseCommand):
    help = ("Remove the stored bytes of files deleted more than FILES_RETENTION_DAYS ago (their rows stay, "
            "marked purged), and bytes no file row names (an upload whose transaction rolled back).")

    def add_arguments(self, parser):
        parser.add_argument("--retention-days", type=int, default=None, help="Default: FILES_RETENTION_DAYS.")

    def handle(self, *args, **opts):
        done = files_purge(retention_days=opts["retention_days"])
        self.stdout.write(f"purged {done['purged']} deleted files, removed {done['orphans']} orphaned blobs")
