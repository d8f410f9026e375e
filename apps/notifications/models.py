"""What was (or will be) sent to whom and why, the people's preferences, and used one-click links."""
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.ids import new_id
from apps.core.json_shapes import STRING_LIST, STRING_MAP, ShapedModel
from apps.core.models import Event, TenantModel, tracked_history
from apps.core.visibility import Visibility

from .choices import Channel, NotificationStatus

DIGEST_KIND = "digest"


class Notification(ShapedModel, models.Model):
    """One message of one kind to one person on one channel. Unique per (event, recipient, channel):
    a fan-out that runs twice (two workers, a retried pass) creates nothing twice. A digest is a
    row of kind `digest` (no event, unique per person and day) whose `items` it lists."""

    json_shapes = {
        # Named URLs ("" where the message has none), and the files attached to the mail itself.
        "links": {"type": "object", "properties": {"attach_files": STRING_LIST},
                  "additionalProperties": {"type": "string"}},
        "headers": STRING_MAP,
    }

    id = models.CharField(primary_key=True, max_length=40, editable=False)
    tenant_id = models.CharField(max_length=64, db_index=True)
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=128, blank=True, default="")
    kind = models.CharField(max_length=64)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    recipient_id = models.CharField(max_length=64, help_text="The person id the message is for.")
    recipient_email = models.CharField(max_length=254, blank=True, default="")
    reason = models.CharField(max_length=300, blank=True, default="", help_text="Why this person hears of it.")
    status = models.CharField(max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    subject = models.CharField(max_length=300, blank=True, default="")
    text_body = models.TextField(blank=True, default="")
    html_body = models.TextField(blank=True, default="")
    links = models.JSONField(default=dict, blank=True, help_text="The links the message carries (decide, record…).")
    message_id = models.CharField(max_length=200, blank=True, default="", help_text="Message-ID, the same on retries.")
    headers = models.JSONField(default=dict, blank=True, help_text="Further headers sent (a ticket's thread, Reply-To).")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    digest_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient_id", "channel"], condition=Q(event__isnull=False),
                                    name="uniq_notification_per_event"),
            models.UniqueConstraint(fields=["tenant_id", "recipient_id", "channel", "digest_day"],
                                    condition=Q(kind=DIGEST_KIND), name="uniq_digest_per_day"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="ntf_due"),
            models.Index(fields=["tenant_id", "recipient_id", "status"], name="ntf_recipient"),
        ]

    def save(self, *args, **kwargs):
        if not self.id:
            self.id = new_id("ntf")
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id} ({self.status})"


class Preference(ShapedModel, models.Model):
    """A person's choices: kinds turned off (never a mandatory one) and daily digest instead of
    immediate mail. No row: every kind, immediately."""

    # Kinds no longer offered stay (a kind may come back): any name.
    json_shapes = {"disabled_kinds": STRING_LIST}

    tenant_id = models.CharField(max_length=64)
    person_id = models.CharField(max_length=64)
    disabled_kinds = models.JSONField(default=list, blank=True)
    digest = models.BooleanField(default=False, help_text="One daily email instead of one per notification.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_id", "person_id"], name="uniq_preference_person")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.tenant_id}"


class UsedLink(models.Model):
    """A one-click decision link that decided something: recorded in the decision's transaction,
    so a link works once."""

    token_id = models.CharField(primary_key=True, max_length=40)
    tenant_id = models.CharField(max_length=64, db_index=True)
    person_id = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    action = models.CharField(max_length=32)
    used_at = models.DateTimeField(default=timezone.now)


class SlackSettings(TenantModel):
    """One row per tenant: notifications of the chosen kinds also go to a Slack channel. The incoming
    webhook URL carries its own credential, so it lives in the secret store (`secret_path`), never in
    a column, and is never shown back; the admin form takes a new one write-only."""

    id_prefix = "slk"
    write_roles = ()  # tenant admins
    json_shapes = {"kinds": STRING_LIST}
    visibility = Visibility(mine=())  # admins only
    unsearchable_fields = ("secret_path",)

    enabled = models.BooleanField(default=True)
    kinds = models.JSONField(default=list, blank=True, help_text="Notification kinds posted to Slack.")
    secret_path = models.CharField(max_length=300, blank=True, default="", editable=False,
                                   help_text="Where the secret store keeps the webhook URL.")

    history = tracked_history()

    class Meta:
        verbose_name = verbose_name_plural = "Slack settings"
        constraints = [models.UniqueConstraint(fields=["tenant_id"], condition=Q(is_deleted=False),
                                               name="uniq_slack_settings")]

    def __str__(self) -> str:
        return f"Slack for {self.tenant_id} ({'on' if self.enabled else 'off'})"

    def posts(self, kind: str) -> bool:
        return self.enabled and bool(self.secret_path) and kind in (self.kinds or [])
