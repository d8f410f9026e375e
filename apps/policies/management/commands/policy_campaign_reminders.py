from django.core.management.base import BaseCommand

from apps.policies.services import acknowledgement_campaigns_remind


class Command(BaseCommand):
    help = ("Emit one reminder per reached slot of each open acknowledgement campaign (every N days after "
            "launch, and on the due date); the notification pass mails those who have not acknowledged.")

    def handle(self, *args, **opts):
        sent = acknowledgement_campaigns_remind()
        for campaign, slot in sent:
            self.stdout.write(f"reminder: {campaign.tenant_id} {campaign.pk} slot {slot:%Y-%m-%d %H:%M}")
        self.stdout.write(f"{len(sent)} campaign reminders")
