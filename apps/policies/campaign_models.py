"""Acknowledgement campaigns: one published version of a policy, an audience from the directory,
a due date and a reminder cadence. Progress is computed from PolicyAcknowledgement (campaigns.py),
so an acknowledgement made any way counts the moment it is counted: the API counts on every read, the
admin shows the last count (`counted_*`)."""
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django_fsm import FSMField

from apps.directory.models import Group
from apps.core.exceptions import Conflict
from apps.core.field_policy import FieldPolicy, deletable, editable
from apps.core.fsm import ConcurrentTransitionMixin, transition
from apps.core.models import TenantModel, tracked_history
from apps.core.visibility import Visibility

from .choices import CampaignAudience, CampaignStatus, PolicyStatus

HR = {"roles": ("hr",)}
SETTINGS = ("audience", "groups", "due_at", "remind_every_days", "remind_on_due", "message")


class AcknowledgementCampaign(ConcurrentTransitionMixin, TenantModel):
    id_prefix = "ack"
    # Progress names who has not acknowledged yet: HR (and admins) only.
    visibility = Visibility(sees_all=("hr",), mine=("created_by",))
    write_roles = ("hr",)
    api_hidden_fields = ("counted_audience", "counted_acknowledged", "counted_at")
    # Settled while a draft; once open only the due date and the reminders may move.
    field_policy = FieldPolicy(
        editable(CampaignStatus.DRAFT, by=("hr",), fields=SETTINGS),
        editable(CampaignStatus.OPEN, by=("hr",), fields=("due_at", "remind_every_days", "remind_on_due")),
        deletable(CampaignStatus.DRAFT, by=("hr",)),  # a launched campaign is a record of who was asked: close it
    )

    # Only a published text can be acknowledged: the picker offers no drafts and no retired policies.
    policy = models.ForeignKey("policies.Policy", on_delete=models.CASCADE, related_name="campaigns",
                               limit_choices_to={"status": PolicyStatus.PUBLISHED})
    version = models.CharField(max_length=32, editable=False, help_text="The policy version to acknowledge.")
    audience = models.CharField(max_length=16, choices=CampaignAudience.choices, default=CampaignAudience.EVERYONE)
    groups = models.ManyToManyField(Group, blank=True, related_name="acknowledgement_campaigns",
                                    help_text="With audience 'groups': their active members (now, not at launch).")
    due_at = models.DateTimeField()
    remind_every_days = models.PositiveSmallIntegerField(
        default=7, validators=[MaxValueValidator(365)],
        help_text="Remind those who have not acknowledged every N days after launch until the due date (0: never).")
    remind_on_due = models.BooleanField(default=True, help_text="A last reminder when the due date arrives.")
    message = models.TextField(blank=True, default="", help_text="A note from HR quoted in the emails.")
    status = FSMField(max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT, protected=False)
    launched_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The reminder slot last handled (a slot is a time: a cadence tick or the due date); the sweep
    # moves it with a compare-and-set, so each slot emits one reminder event however often it runs.
    reminded_slot_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Progress as last counted (at launch, at close, by each reminder sweep, on "Recount"): the admin
    # lists campaigns from these; counting an audience reads the whole directory.
    counted_audience = models.PositiveIntegerField(null=True, blank=True, editable=False)
    counted_acknowledged = models.PositiveIntegerField(null=True, blank=True, editable=False)
    counted_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = tracked_history()

    class Meta:
        ordering = ("-id",)
        indexes = [models.Index(fields=["tenant_id", "status", "id"], name="ackc_tenant_status")]

    def __str__(self) -> str:
        name = self.policy.name if self.policy_id and "policy" in self._state.fields_cache else "Acknowledgement"
        return f"{name} v{self.version}"

    def clean(self):
        if self.remind_every_days is not None and self.remind_every_days > 365:
            raise ValidationError({"remind_every_days": "At most 365."})

    # -- reminder slots ---------------------------------------------------------------------------------
    def slots(self) -> list:
        """Every reminder time: each `remind_every_days` after launch before the due date, and the due date."""
        if self.launched_at is None:
            return []
        found = []
        if self.remind_every_days:
            step = timedelta(days=self.remind_every_days)
            at = self.launched_at + step
            while at < self.due_at and len(found) < 400:
                found.append(at)
                at += step
        if self.remind_on_due and self.due_at > self.launched_at:
            found.append(self.due_at)
        return found

    def due_slot(self, now) -> object | None:
        """The latest slot reached by `now` and not handled yet (earlier missed ones fold into it)."""
        reached = [at for at in self.slots() if at <= now]
        if not reached or (self.reminded_slot_at is not None and reached[-1] <= self.reminded_slot_at):
            return None
        return reached[-1]

    # -- transitions ------------------------------------------------------------------------------------
    @transition(field="status", source=CampaignStatus.DRAFT, target=CampaignStatus.OPEN, event="launched",
                custom={**HR, "doc": "Emails everyone in the audience who has not acknowledged the version yet."})
    def launch(self):
        policy = self.policy
        if policy.status != PolicyStatus.PUBLISHED or policy.version != self.version:
            raise Conflict(f"Version {self.version} of {policy.name} is not the published one "
                           f"({policy.status}, {policy.version}); start a campaign for the current version.")
        now = timezone.now()
        if self.due_at <= now:
            raise ValidationError({"due_at": "The due date has passed; move it to the future first."})
        if self.audience == CampaignAudience.GROUPS and not self.groups.exists():
            raise ValidationError({"groups": "Choose at least one group, or the audience 'everyone'."})
        self.launched_at = now

    @transition(field="status", source=[CampaignStatus.DRAFT, CampaignStatus.OPEN], target=CampaignStatus.CLOSED,
                event="closed", custom={**HR, "doc": "No more reminders; progress stays readable."})
    def close(self):
        self.closed_at = timezone.now()
