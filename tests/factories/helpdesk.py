"""SLA policies, business calendars, tickets and their comments, canned replies."""
import factory

from apps.helpdesk.choices import Priority, TicketType
from apps.helpdesk.models import BusinessCalendar, CannedReply, SLAPolicy, Ticket, TicketComment
from apps.helpdesk.services import next_ticket_number
from apps.helpdesk.sla import refresh_sla

from .base import InTenant, PersonId, TenantRecordFactory, register


@register
class SLAPolicyFactory(TenantRecordFactory):
    name = factory.Sequence(lambda n: f"SLA {n}")
    priority = Priority.HIGH
    first_response_minutes = 60
    resolution_minutes = 480

    class Meta:
        model = SLAPolicy


@register
class BusinessCalendarFactory(TenantRecordFactory):
    """The tenant's one calendar: Monday to Friday, 9 to 5, UTC."""

    class Meta:
        model = BusinessCalendar


@register
class TicketFactory(TenantRecordFactory):
    """A new ticket of a directory Person. As the service does: its number from the tenant's counter
    (so later tickets made through the API never collide with it) and its SLA clock from the
    tenant's policies, unless `sla_policy=` is given."""

    title = factory.Sequence(lambda n: f"Ticket {n}")
    description = "It does not work."
    type = TicketType.INCIDENT
    priority = Priority.MEDIUM
    submitted_by_id = PersonId()
    created_by = factory.SelfAttribute("submitted_by_id")

    class Meta:
        model = Ticket

    @classmethod
    def _before_save(cls, obj, *, given: dict) -> None:
        super()._before_save(obj, given=given)
        if "sla_policy" not in given:
            refresh_sla(obj)
        if not obj.number:
            obj.number = next_ticket_number(obj.tenant_id)


@register
class TicketCommentFactory(TenantRecordFactory):
    ticket = InTenant(TicketFactory)
    author_id = PersonId()
    created_by = factory.SelfAttribute("author_id")
    body = factory.Sequence(lambda n: f"Reply {n}.")
    internal = False

    class Meta:
        model = TicketComment


@register
class CannedReplyFactory(TenantRecordFactory):
    name = factory.Sequence(lambda n: f"Canned reply {n}")
    body = "Hello {{ requester.given_name }}, {{ ticket.number }} is being worked on."

    class Meta:
        model = CannedReply
