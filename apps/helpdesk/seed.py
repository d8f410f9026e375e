"""Demo SLA policies and tickets in every status (idempotent)."""
from apps.core import services as core
from apps.core.principal import Principal

from .actions import ticket_close, ticket_hold, ticket_open, ticket_resolve
from .models import BusinessCalendar, CannedReply, SLAPolicy, Ticket
from .services import ticket_comment_create, ticket_create

POLICIES = [
    ("Urgent incidents", "urgent", ["incident", "problem"], 15, 240),
    ("High priority", "high", ["incident", "service_request", "problem"], 60, 480),
    ("Standard", "medium", ["incident", "service_request", "change", "problem"], 240, 2400),
    ("Low priority", "low", ["incident", "service_request", "change", "problem"], 480, 4800),
]
TICKETS = [
    ("Laptop will not boot after update", "incident", "high", "Hardware", []),
    ("VPN drops every 10 minutes", "incident", "urgent", "Network", [ticket_open]),
    ("New starter needs a phone", "service_request", "medium", "Hardware", [ticket_open, ticket_hold]),
    ("Printer on floor 3 jams", "incident", "low", "Hardware", [ticket_open, ticket_resolve]),
    ("Upgrade CRM to v5", "change", "medium", "Software", [ticket_open, ticket_resolve, ticket_close]),
    ("Recurring mail delivery delays", "problem", "high", "Email", []),
]

CANNED_REPLIES = [
    ("Looking into it", "Hello {{ requester.given_name }},\n\nthanks for reporting this; I am looking into "
                        "{{ ticket.number }} now and will update you here.\n\n{{ agent.name }}"),
    ("Please send a screenshot", "Hello {{ requester.given_name }},\n\ncould you reply to this e-mail with a "
                                 "screenshot of the error? It will be added to {{ ticket.number }}.\n\n{{ agent.name }}"),
    ("Solved, please confirm", "Hello {{ requester.given_name }},\n\n\"{{ ticket.title }}\" should be solved now. "
                               "If it is not, just reply and the ticket reopens.\n\n{{ agent.name }}, {{ tenant.name }} IT"),
]


def seed_canned_replies(*, tenant, actor: Principal) -> None:
    if CannedReply.all_objects.filter(tenant_id=tenant.id).exists():
        return
    for name, body in CANNED_REPLIES:
        core.record_create(actor=actor, obj=CannedReply(name=name, body=body))


def seed(*, tenant, people: dict, actor: Principal) -> str:
    seed_canned_replies(tenant=tenant, actor=actor)
    if SLAPolicy.all_objects.filter(tenant_id=tenant.id).exists():
        return "already seeded"
    core.record_create(actor=actor, obj=BusinessCalendar(
        name="Office hours", time_zone="Europe/Berlin" if tenant.id == "acme" else "America/New_York",
        holiday_country="DE" if tenant.id == "acme" else "US", holiday_subdivision="BY" if tenant.id == "acme" else "NY",
        closed_dates=["2026-12-24", "2026-12-31"],
    ))
    for name, priority, applies_to, first, resolution in POLICIES:
        core.record_create(actor=actor, obj=SLAPolicy(
            name=name, priority=priority, applies_to=applies_to, first_response_minutes=first,
            resolution_minutes=resolution, business_hours_only=priority in ("medium", "low"),
        ))
    agent = Principal(person_id=people["agent"], tenant_id=tenant.id, roles=frozenset({"agent"}), source_type="system")
    for i, (title, kind, priority, category, steps) in enumerate(TICKETS):
        submitter = people["member"] if i % 2 == 0 else people["member2"]
        requester = Principal(person_id=submitter, tenant_id=tenant.id, source_type="system")
        ticket = ticket_create(actor=requester, data={
            "title": title, "type": kind, "priority": priority, "category": category,
            "description": f"{title}. Reported through the demo seed.",
            "assigned_to_id": people["agent"] if steps else None,
        })
        if steps:
            ticket_comment_create(actor=agent, ticket=ticket, body="Thanks, looking into it.")
            ticket_comment_create(actor=agent, ticket=ticket, body="Checked the logs; likely the driver.", internal=True)
        for step in steps:
            ticket = step(actor=agent, ticket=ticket, comment="demo")
    return f"{len(POLICIES)} SLA policies, {Ticket.objects.filter(tenant_id=tenant.id).count()} tickets"
