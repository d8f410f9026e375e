"""Helpdesk by e-mail: each tenant's inbound address, every message that arrived, and the senders the
directory does not know (external requesters)."""
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.ids import new_id
from apps.core.json_shapes import ShapedModel
from apps.core.models import TenantModel, tracked_history
from apps.core.visibility import Visibility


class UnknownSenders(models.TextChoices):
    ACCEPT = "accept", "Accept as external requesters"
    REFUSE = "refuse", "Refuse, answering with a short reply"


class MailSettings(TenantModel):
    """One row per tenant: the address the MTA forwards to the gateway for this tenant."""

    id_prefix = "mls"
    write_roles = ()  # tenant admins
    visibility = Visibility(mine=())  # admins only

    address = models.EmailField(max_length=254, help_text=(
        "The tenant's helpdesk address, e.g. help@acme.example. Mail the gateway receives for it opens tickets."))
    enabled = models.BooleanField(default=True)
    unknown_senders = models.CharField(max_length=16, choices=UnknownSenders.choices, default=UnknownSenders.ACCEPT,
                                       help_text="Senders the directory does not know by e-mail.")
    max_messages_per_hour = models.PositiveIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text="Per sender; more are recorded but open nothing and get no answer (flood and loop protection).")

    history = tracked_history()

    class Meta:
        verbose_name = verbose_name_plural = "mail settings"
        constraints = [
            models.UniqueConstraint(fields=["tenant_id"], condition=Q(is_deleted=False), name="uniq_mail_settings"),
            # One address names one tenant: the envelope recipient decides where a message goes.
            models.UniqueConstraint(fields=["address"], condition=Q(is_deleted=False), name="uniq_mail_address"),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.tenant_id})"

    def clean(self):
        self.address = (self.address or "").strip().lower()
        others = MailSettings.objects.exclude(pk=self.pk)
        if self.address and others.filter(address=self.address).exists():
            raise ValidationError({"address": "This address already receives mail for a helpdesk."})
        if self.tenant_id and others.filter(tenant_id=self.tenant_id).exists():
            raise ValidationError("This tenant has mail settings already; change them instead.")

    def save(self, *args, **kwargs):
        self.address = (self.address or "").strip().lower()
        super().save(*args, **kwargs)


class Outcome(models.TextChoices):
    TICKET = "ticket", "Opened a ticket"
    COMMENT = "comment", "Added a comment"
    AUTO_REPLY = "auto_reply", "Auto-reply or bulk mail: ignored"
    BOUNCE = "bounce", "Bounce (delivery status notification)"
    RATE_LIMITED = "rate_limited", "Over the sender's rate limit: ignored"
    REFUSED_SENDER = "refused_sender", "Unknown sender: refused with a reply"


TEXT = {"type": "string"}
INBOUND_DETAILS = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "defects": {"type": "array", "items": TEXT, "description": "What could not be read (parsing.py)."},
        "bounce": {"type": "object", "properties": {
            # recipient, action, status, diagnostic: as the delivery status notification says them
            "recipients": {"type": "array", "items": {"type": "object", "additionalProperties": TEXT}},
            "original_message_id": TEXT}},
        "auto": {**TEXT, "description": "Why the message was taken for an automatic one."},
        "attachments": {"type": "array", "description": "Each file: kept (its id) or refused (why).", "items": {
            "type": "object", "required": ["filename"], "properties": {
                "filename": TEXT, "id": TEXT, "content_type": TEXT, "size": {"type": "integer"}, "refused": TEXT}}},
        "refusal_sent": {"type": "boolean"},
        "refusal_error": TEXT,
    },
}


class InboundMessage(ShapedModel, models.Model):
    """A message the gateway accepted for a tenant; unique by Message-ID per tenant, so an MTA's retry
    (after a gateway restart mid-delivery) finds the first one and creates nothing twice."""

    json_shapes = {"details": INBOUND_DETAILS}

    id = models.CharField(primary_key=True, max_length=40, editable=False)
    tenant_id = models.CharField(max_length=64, db_index=True)
    message_id = models.CharField(max_length=998)
    envelope_from = models.CharField(max_length=254, blank=True, default="")
    from_address = models.CharField(max_length=254, blank=True, default="")
    from_name = models.CharField(max_length=200, blank=True, default="")
    subject = models.CharField(max_length=300, blank=True, default="")
    in_reply_to = models.TextField(blank=True, default="")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    ticket_id = models.CharField(max_length=40, blank=True, default="", db_index=True)
    comment_id = models.CharField(max_length=40, blank=True, default="")
    person_id = models.CharField(max_length=64, blank=True, default="", help_text="Whom the sender was taken for.")
    text = models.TextField(blank=True, default="", help_text="The plain text as received.")
    html = models.TextField(blank=True, default="", help_text="The HTML part, sanitised.")
    size = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True, help_text="Bounce details, defects of the MIME structure.")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-id",)
        constraints = [models.UniqueConstraint(fields=["tenant_id", "message_id"], name="uniq_inbound_message_id")]
        indexes = [models.Index(fields=["tenant_id", "from_address", "received_at"], name="inbound_sender_recent")]

    def save(self, *args, **kwargs):
        if not self.id:
            self.id = new_id("inm")
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.message_id} from {self.from_address} ({self.outcome})"


class ExternalRequester(models.Model):
    """A sender the directory does not know, accepted by the tenant's setting: the person id their tickets
    name (`ext_…`). Never a member of staff, whatever the address says."""

    id = models.CharField(primary_key=True, max_length=40, editable=False)
    tenant_id = models.CharField(max_length=64, db_index=True)
    email = models.CharField(max_length=254)
    name = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_id", "email"], name="uniq_external_requester")]

    def save(self, *args, **kwargs):
        if not self.id:
            self.id = new_id("ext")
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email
