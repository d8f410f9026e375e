"""The ticket workbench in the admin: conversation, reply box, assign to me, person picker, tags, SLA."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Event
from apps.core.principal import Principal
from apps.helpdesk.models import Ticket, TicketComment
from apps.helpdesk.services import ticket_comment_create, ticket_create
from tests.factories import SLAPolicyFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db
AGENT = Principal(person_id="per_agent", tenant_id="acme", roles=frozenset({"agent"}))


def staff(username: str, roles: list[str], tenant: str = "acme", person_id: str | None = None, **names) -> User:
    return StaffMembershipFactory(tenant__id=tenant, tenant__name=tenant, user__username=username,
                                  user__password="pw-123456", **{f"user__{k}": v for k, v in names.items()},
                                  person_id=person_id or f"per_{username}", roles=roles).user


@pytest.fixture
def agent(client):
    client.force_login(staff("agent", ["agent"], first_name="Ada", last_name="Agent", email="ada@acme.test"))
    return client


@pytest.fixture
def ticket(db):
    SLAPolicyFactory(name="High", priority="high", first_response_minutes=60, resolution_minutes=480)
    return ticket_create(actor=Principal(person_id="per_member", tenant_id="acme"),
                         data={"title": "VPN drops", "priority": "high", "description": "Every 10 minutes."})


def change_url(obj) -> str:
    return reverse("admin:helpdesk_ticket_change", args=[obj.pk])


def url(name: str, obj) -> str:
    return reverse(f"admin:helpdesk_ticket_{name}", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_conversation_shows_replies_and_notes_newest_last_with_author(agent, ticket):
    ticket_comment_create(actor=Principal(person_id="per_member", tenant_id="acme"), ticket=ticket, body="Any update?")
    ticket_comment_create(actor=AGENT, ticket=ticket, body="Driver issue, checking.", internal=True)
    page = agent.get(change_url(ticket))
    assert page.status_code == 200
    comments = page.context["comments"]
    assert [(c.body, c.internal) for c in comments] == [("Any update?", False), ("Driver issue, checking.", True)]
    html = page.content.decode()
    assert html.index("Every 10 minutes.") < html.index("Any update?") < html.index("Driver issue, checking.")
    assert 'data-internal="true"' in html and "Internal note" in html
    assert 'name="internal"' in html  # agents may write internal notes


def test_a_public_reply_goes_through_the_service_and_stamps_the_first_response(agent, ticket):
    assert ticket.first_response_at is None
    response = agent.post(url("reply", ticket), {"body": "We are on it."}, follow=True)
    assert response.redirect_chain[-1][0].endswith(change_url(ticket) + "#conversation")
    assert f"{ticket.number}: reply sent." in messages_of(response)
    comment = TicketComment.objects.get(ticket=ticket)
    assert (comment.author_id, comment.body, comment.internal, comment.source_type) == (
        "per_agent", "We are on it.", False, "backend")
    ticket.refresh_from_db()
    assert ticket.first_response_at == comment.created_at
    assert Event.objects.filter(entity_id=ticket.pk, type="helpdesk.ticket.first_responded").count() == 1
    assert "Ada Agent &lt;ada@acme.test&gt;" in response.content.decode()  # the author by name


def test_an_internal_note_does_not_stamp_the_first_response(agent, ticket):
    agent.post(url("reply", ticket), {"body": "Looks like the driver.", "internal": "on"})
    assert TicketComment.objects.get(ticket=ticket).internal is True
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert not Event.objects.filter(entity_id=ticket.pk, type="helpdesk.ticket.first_responded").exists()


def test_only_agents_write_internal_notes_and_others_do_not_see_them(client, ticket):
    ticket_comment_create(actor=AGENT, ticket=ticket, body="secret triage", internal=True)
    client.force_login(staff("member", ["hr"], person_id="per_member"))  # the submitter, staff without agent role
    page = client.get(change_url(ticket))
    assert page.status_code == 200
    assert b"secret triage" not in page.content and b'name="internal"' not in page.content
    response = client.post(url("reply", ticket), {"body": "sneaky", "internal": "on"}, follow=True)
    assert any("Internal notes need one of the roles" in m for m in messages_of(response))
    assert list(TicketComment.objects.filter(ticket=ticket).values_list("body", flat=True)) == ["secret triage"]
    client.post(url("reply", ticket), {"body": "Any update?"})
    assert TicketComment.objects.filter(ticket=ticket, body="Any update?", internal=False).exists()
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # the submitter's own reply is no response


def test_an_empty_reply_changes_nothing(agent, ticket):
    response = agent.post(url("reply", ticket), {"body": ""}, follow=True)
    assert "Write a reply first." in messages_of(response)
    assert not TicketComment.objects.filter(ticket=ticket).exists()
    assert agent.get(url("reply", ticket)).status_code == 405


def test_assign_to_me(agent, ticket):
    assert b'data-testid="assign-to-me"' in agent.get(change_url(ticket)).content
    response = agent.post(url("assign_to_me", ticket), follow=True)
    assert f"{ticket.number}: assigned to you." in messages_of(response)
    ticket.refresh_from_db()
    assert (ticket.assigned_to_id, ticket.updated_by) == ("per_agent", "per_agent")
    assert Event.objects.filter(entity_id=ticket.pk, type="helpdesk.ticket.updated").exists()
    assert b'data-testid="assign-to-me"' not in response.content  # already mine


def test_assign_to_me_is_refused_for_staff_who_are_no_agents(client, ticket):
    client.force_login(staff("hr", ["hr"], person_id="per_member"))
    assert b'data-testid="assign-to-me"' not in client.get(change_url(ticket)).content
    response = client.post(url("assign_to_me", ticket), follow=True)
    assert any("is not an agent of this tenant" in m for m in messages_of(response))
    ticket.refresh_from_db()
    assert ticket.assigned_to_id is None


def test_the_assignee_picker_offers_the_tenants_agents_only(agent, ticket):
    staff("other-agent", ["agent"], first_name="Otto")
    staff("approver", ["approver"])
    staff("globex-agent", ["agent"], tenant="globex")
    form = agent.get(change_url(ticket)).context["adminform"].form
    choices = dict(form.fields["assigned_to_id"].choices)
    assert set(choices) == {"", "per_agent", "per_other-agent"}
    assert choices["per_agent"] == "Ada Agent <ada@acme.test>"


def post_form(client, obj, **changes):
    page = client.get(change_url(obj))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data["tags"] = form.fields["tags"].prepare_value(data.get("tags", []))
    data.update(changes)
    return client.post(change_url(obj), data)


def test_an_assignee_who_is_no_agent_is_a_form_error(agent, ticket):
    response = post_form(agent, ticket, assigned_to_id="per_acme_itt", title="changed")
    assert response.status_code == 200
    assert "assigned_to_id" in response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert (ticket.assigned_to_id, ticket.title) == (None, "VPN drops")


def test_the_form_assigns_and_takes_tags_as_text(agent, ticket):
    staff("other-agent", ["agent"])
    response = post_form(agent, ticket, assigned_to_id="per_other-agent", tags="vpn, remote , vpn,")
    assert response.status_code == 302, response.content[:3000]
    ticket.refresh_from_db()
    assert (ticket.assigned_to_id, ticket.tags) == ("per_other-agent", ["vpn", "remote"])
    page = agent.get(change_url(ticket))
    assert 'value="vpn, remote"' in page.content.decode()
    assert post_form(agent, ticket, assigned_to_id="").status_code == 302
    ticket.refresh_from_db()
    assert ticket.assigned_to_id is None


def test_the_page_puts_status_priority_assignee_and_sla_first_and_audit_collapsed(agent, ticket):
    page = agent.get(change_url(ticket))
    fieldsets = page.context["adminform"].fieldsets
    first = [f for line in fieldsets[0][1]["fields"] for f in (line if isinstance(line, tuple) else (line,))]
    assert first == ["status", "priority", "assigned_to_id", "sla"]
    collapsed = {name for name, opts in fieldsets if "collapse" in opts.get("classes", [])}
    assert collapsed == {"SLA clock", "Links", "Audit"}
    html = page.content.decode()
    assert 'data-sla="running"' in html
    assert "Response: 59m left" in html or "Response: 1h 00m left" in html


def test_the_queue_shows_the_sla_as_a_sortable_column(agent, ticket):
    SLAPolicyFactory(name="Low", priority="low", first_response_minutes=600, resolution_minutes=6000)
    member = Principal(person_id="per_member", tenant_id="acme")
    later = ticket_create(actor=member, data={"title": "Low thing", "priority": "low"})
    no_sla = ticket_create(actor=member, data={"title": "Urgent, no policy", "priority": "urgent"})
    listing = agent.get(reverse("admin:helpdesk_ticket_changelist"))
    assert listing.status_code == 200
    columns = list(listing.context["cl"].list_display)
    assert columns[:4] == ["action_checkbox", "number", "title", "sla"]
    assert 'data-sla="running"' in listing.content.decode() and 'data-sla="none"' in listing.content.decode()
    for order, expected in ((str(columns.index("sla")), [ticket, later, no_sla]),
                            (f"-{columns.index('sla')}", [no_sla, later, ticket])):
        ordered = agent.get(reverse("admin:helpdesk_ticket_changelist"), {"o": order})
        assert [t.pk for t in ordered.context["cl"].result_list] == [t.pk for t in expected], order


@pytest.mark.parametrize("name", ["reply", "assign_to_me"])
def test_another_tenants_ticket_is_404_for_the_workbench_posts(agent, name):
    theirs = ticket_create(actor=Principal(person_id="per_x", tenant_id="globex"), data={"title": "globex"})
    assert agent.post(url(name, theirs), {"body": "hi"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.assigned_to_id is None and not TicketComment.objects.filter(ticket=theirs).exists()


def test_the_ticket_page_costs_the_same_queries_with_many_comments(agent, ticket, django_assert_max_num_queries):
    member = Principal(person_id="per_member", tenant_id="acme")
    ticket_comment_create(actor=member, ticket=ticket, body="first")
    agent.get(change_url(ticket))  # a warm process: content types are read once per process, then cached
    with django_assert_max_num_queries(30) as few:
        assert agent.get(change_url(ticket)).status_code == 200
    for i in range(25):
        ticket_comment_create(actor=AGENT if i % 2 else member, ticket=ticket, body=f"comment {i}",
                              internal=i % 2 == 1 and i % 3 == 0)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        assert agent.get(change_url(ticket)).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_queue_costs_the_same_queries_with_more_rows(agent, ticket, django_assert_max_num_queries):
    staff("other-agent", ["agent"])
    Ticket.objects.filter(pk=ticket.pk).update(assigned_to_id="per_agent")
    with django_assert_max_num_queries(30) as few:
        assert agent.get(reverse("admin:helpdesk_ticket_changelist")).status_code == 200
    for i in range(10):
        ticket_create(actor=AGENT, data={"title": f"t{i}", "assigned_to_id": "per_other-agent" if i % 2 else "per_agent"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert agent.get(reverse("admin:helpdesk_ticket_changelist")).status_code == 200


def test_due_instants_in_the_past_show_overdue_before_the_sweep(agent, ticket):
    past = timezone.now() - timedelta(hours=2)
    Ticket.objects.filter(pk=ticket.pk).update(first_response_due_at=past, first_response_warn_at=past)
    html = agent.get(change_url(ticket)).content.decode()
    assert 'data-sla="breached"' in html and "Response overdue by 2h 00m" in html
