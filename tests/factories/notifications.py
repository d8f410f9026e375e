"""Notifications, people's preferences and used decision links."""
import factory
from django.utils import timezone

from apps.approvals.choices import Decision, StepStatus
from apps.directory.models import Person
from apps.notifications.models import Notification, Preference, SlackSettings, UsedLink

from .base import DEFAULT_TENANT, InTenant, PersonId, ProjectFactory, RecordId, TenantRecordFactory, register


def _address_of(person_id: str) -> str:
    return Person.all_objects.filter(pk=person_id).values_list("email", flat=True).first() or ""


@register
class NotificationFactory(ProjectFactory):
    """A pending email to a directory Person (at their directory address) about a new ticket."""

    tenant_id = DEFAULT_TENANT
    event = InTenant("tests.factories.core.EventFactory")
    event_type = factory.LazyAttribute(lambda o: o.event.type if o.event else "")
    kind = "ticket_assigned"
    recipient_id = PersonId()
    recipient_email = factory.LazyAttribute(lambda o: _address_of(o.recipient_id))
    reason = "You were assigned the ticket."
    subject = "A ticket was assigned to you"
    text_body = "See the ticket."

    class Meta:
        model = Notification


@register
class PreferenceFactory(ProjectFactory):
    tenant_id = DEFAULT_TENANT
    person_id = PersonId()
    disabled_kinds = factory.LazyFunction(list)
    digest = False

    class Meta:
        model = Preference


@register
class UsedLinkFactory(ProjectFactory):
    """A decision link a directory Person used to approve their step, from the email that carried it."""

    tenant_id = DEFAULT_TENANT
    person_id = PersonId()
    target_id = RecordId("tests.factories.approvals.ApprovalStepFactory", approver_id=factory.SelfAttribute("..person_id"),
                         status=StepStatus.APPROVED, decision=Decision.APPROVED,
                         decided_at=factory.LazyFunction(timezone.now))
    token_id = RecordId(NotificationFactory, recipient_id=factory.SelfAttribute("..person_id"), kind="approval_requested",
                        event=None)
    action = "approve"

    class Meta:
        model = UsedLink


@register
class SlackSettingsFactory(TenantRecordFactory):
    """A tenant posting paused-webhook notices to Slack; no webhook URL stored (so nothing is sent)."""

    enabled = True
    kinds = factory.LazyFunction(lambda: ["webhook_paused"])

    class Meta:
        model = SlackSettings
