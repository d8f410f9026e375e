"""HR letters: a tenant's letter templates (Markdown with placeholders), and the letters made from
them for HR requests, each recording the template version it was made from."""
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from apps.core.person_fields import PERSON
from apps.core.models import TenantModel, tracked_history
from apps.core.visibility import Visibility
from apps.operations.choices import HRRequestType
from apps.operations.models import HRRequest

from .placeholders import LETTER_PLACEHOLDERS


class LetterTemplate(TenantModel):
    id_prefix = "ltt"
    visibility = Visibility(sees_all=("hr",), mine=())
    write_roles = ("hr",)
    # Every saved change is a new version; a letter records the one it was made from.
    optimistic_version = True

    name = models.CharField(max_length=200, help_text="Employment letter, salary certificate, visa support…")
    request_type = models.CharField(max_length=32, choices=HRRequestType.choices, null=True, blank=True,
                                    help_text="The HR request type it is offered for first (blank: any).")
    body = models.TextField(help_text="Markdown. " + LETTER_PLACEHOLDERS.help_text())
    email_pdf = models.BooleanField(default=False, verbose_name="E-mail the PDF itself",
                                    help_text="Off: the requester's e-mail links to the file (they download it signed "
                                              "in by the link). On: the PDF also travels inside the e-mail.")
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = tracked_history()

    class Meta:
        ordering = ("name",)
        # the admin list's order (by name, then newest first: Django's tie-break)
        indexes = [models.Index(fields=["tenant_id", "name", "-id"], condition=Q(is_deleted=False), name="ltt_tenant_list")]

    def clean(self):
        errors = LETTER_PLACEHOLDERS.problems(self.body) + LETTER_PLACEHOLDERS.problems(self.name)
        if errors:
            raise ValidationError({"body": errors})

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class LetterStatus(models.TextChoices):
    DRAFT = "draft"  # made, waiting for HR's review
    SENT = "sent"  # attached to the request and the requester told
    DISCARDED = "discarded"


class Letter(TenantModel):
    id_prefix = "ltr"
    not_directory_fields = ("attachment_id",)
    directory_fields = {"requester_id": PERSON}
    visibility = Visibility(sees_all=("hr",), mine=())  # the requester gets the sent PDF on their request
    write_roles = ("hr",)
    api_hidden_fields = ("pdf",)
    event_payload_exclude = ("pdf", "html")
    unsearchable_fields = ("html",)  # the rendered letter: found by its request, requester or sender, not by its markup

    hr_request = models.ForeignKey(HRRequest, on_delete=models.PROTECT, related_name="letters")
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="letters")
    template_version = models.PositiveIntegerField(editable=False, help_text="The template version it was made from.")
    requester_id = models.CharField(max_length=64, editable=False, help_text="Who the letter is for.")
    status = models.CharField(max_length=16, choices=LetterStatus.choices, default=LetterStatus.DRAFT, editable=False)
    html = models.TextField(editable=False, help_text="The letter as made (sanitised HTML, the PDF's source).")
    pdf = models.BinaryField(editable=False)
    attachment_id = models.CharField(max_length=40, blank=True, default="", editable=False,
                                     help_text="The file on the HR request once sent.")
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_by = models.CharField(max_length=64, null=True, blank=True, editable=False)

    history = tracked_history(excluded_fields=["pdf"])

    class Meta:
        ordering = ("-id",)
        indexes = [models.Index(fields=["tenant_id", "hr_request"], name="ltr_tenant_request"),
                   # rows naming the people a search finds
                   models.Index(fields=["tenant_id", "requester_id"], name="ltr_tenant_requester")]

    def __str__(self) -> str:
        return f"{self.template.name} for {self.hr_request_id}" if self.template_id else "Letter"
