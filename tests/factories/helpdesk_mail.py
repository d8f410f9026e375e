"""Helpdesk by e-mail: a tenant's address, a message that opened a ticket, an external requester."""
import factory

from apps.helpdesk_mail.models import ExternalRequester, InboundMessage, MailSettings

from .base import DEFAULT_TENANT, PersonId, ProjectFactory, RecordId, TenantRecordFactory, register


@register
class MailSettingsFactory(TenantRecordFactory):
    """The tenant's helpdesk address (one per tenant)."""

    address = factory.LazyAttribute(lambda o: f"help@{o.tenant_id}.invalid")
    enabled = True

    class Meta:
        model = MailSettings
        django_get_or_create = ("tenant_id",)


@register
class InboundMessageFactory(ProjectFactory):
    """A message from a directory Person that opened a ticket of theirs."""

    tenant_id = DEFAULT_TENANT
    message_id = factory.Sequence(lambda n: f"<msg-{n}@mua.acme.invalid>")
    person_id = PersonId()
    from_address = factory.Sequence(lambda n: f"sender{n}@acme.invalid")
    subject = "The printer jams"
    outcome = "ticket"
    ticket_id = RecordId("tests.factories.helpdesk.TicketFactory", submitted_by_id=factory.SelfAttribute("..person_id"))
    text = "It jams on every page."

    class Meta:
        model = InboundMessage


@register
class ExternalRequesterFactory(ProjectFactory):
    tenant_id = DEFAULT_TENANT
    email = factory.Sequence(lambda n: f"someone{n}@partner.invalid")
    name = "Someone Outside"

    class Meta:
        model = ExternalRequester
