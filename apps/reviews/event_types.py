"""Access review events besides the records' lifecycles (services.py emits them)."""
from rest_framework import serializers

from apps.core.event_catalogue import declare_event, record_payload_with

from .models import ReviewCampaign, ReviewItem

declare_event(ReviewCampaign, "reminder",
              payload=record_payload_with(ReviewCampaign, "Reminder",
                                          reviewers=serializers.IntegerField(help_text="Reviewers with undecided items.")),
              description="An open access review nears its due date: reviewers with undecided items are reminded.")
declare_event(ReviewCampaign, "escalated",
              payload=record_payload_with(ReviewCampaign, "Escalated",
                                          pending=serializers.IntegerField(help_text="Items still undecided."),
                                          reassigned=serializers.BooleanField(
                                              help_text="The undecided items now wait on the campaign owner.")),
              description="An access review is behind near (or past) its due date: its owner hears of it; past the "
                          "due date with the rule 'escalate', the undecided items move to the owner.")
declare_event(ReviewCampaign, "unassigned",
              payload=record_payload_with(ReviewCampaign, "Unassigned",
                                          unassigned=serializers.IntegerField(help_text="Items nobody may review.")),
              description="At launch, items whose first choice, campaign owner and owner's manager all conflict (hold "
                          "the access, are the holder, approved it lately) are left unassigned: the tenant's admins "
                          "hear of it, and any admin without a conflict decides them.")
declare_event(ReviewItem, "revoke_done", payload=record_payload_with(ReviewItem, "RevokeDone"),
              description="The target confirmed the removal of access a review revoked (read back by the connector).")
declare_event(ReviewItem, "revoke_failed", payload=record_payload_with(ReviewItem, "RevokeFailed"),
              description="The connector could not remove access a review revoked; it retries, the campaign owner "
                          "hears of it.")
