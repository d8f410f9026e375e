from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.core.event_docs import render

TARGET = Path(settings.BASE_DIR) / "docs" / "events.md"


class Command(BaseCommand):
    help = "Print the event catalogue as Markdown; --write regenerates docs/events.md, --check fails if it is stale."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true")
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, write=False, check=False, **options):
        text = render()
        if write:
            TARGET.write_text(text)
        elif check:
            if not TARGET.exists() or TARGET.read_text() != text:
                raise CommandError("docs/events.md is stale: run `manage.py event_catalogue --write` and commit it.")
        else:
            self.stdout.write(text, ending="")
