from django.core.management.base import BaseCommand

from apps.policies.services import policies_review_due


class Command(BaseCommand):
    help = "List published policies past or near next_review_at and emit policies.policy.review_due once per cycle."

    def add_arguments(self, parser):
        parser.add_argument("--within-days", type=int, default=30)

    def handle(self, *args, **opts):
        due = policies_review_due(within_days=opts["within_days"])
        for policy in due:
            self.stdout.write(f"review due: {policy.tenant_id} {policy.name} v{policy.version} (next review {policy.next_review_at:%Y-%m-%d})")
        self.stdout.write(f"{len(due)} policies due for review within {opts['within_days']} days")
