from django.core.management.base import BaseCommand

from apps.reviews.models import ReviewCampaign
from apps.reviews.services import recount, reviews_sweep


class Command(BaseCommand):
    help = ("Access reviews: reminders and escalations before the due date, the unanswered rule at it, and "
            "revokes the connectors failed. --recount counts every open campaign's progress again from its items.")

    def add_arguments(self, parser):
        parser.add_argument("--recount", action="store_true")

    def handle(self, *args, recount_all=False, **options):
        if options["recount"]:
            campaigns = list(ReviewCampaign.objects.exclude(status="draft"))
            for campaign in campaigns:
                recount(campaign)
            self.stdout.write(f"recounted {len(campaigns)} campaign(s)")
        done = reviews_sweep()
        self.stdout.write("reviews: " + (", ".join(f"{k} {v}" for k, v in sorted(done.items())) or "nothing due"))
