"""The admin base: tenant scoping, membership roles, transition buttons that enforce permissions."""
from io import StringIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import Event
from apps.core.principal import Principal
from apps.helpdesk.models import Ticket
from apps.helpdesk.services import ticket_create
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def staff(client, tenant: str, username: str, roles: list[str]):
    membership = StaffMembershipFactory(tenant__id=tenant, tenant__name=tenant, user__username=username,
                                        user__password="pw-123456", person_id=f"per_{username}", roles=roles)
    client.force_login(membership.user)
    return client


def ticket(tenant: str, title: str = "Broken", submitter: str = "per_member") -> Ticket:
    return ticket_create(actor=Principal(person_id=submitter, tenant_id=tenant), data={"title": title})


def change_url(obj) -> str:
    return reverse("admin:helpdesk_ticket_change", args=[obj.pk])


def test_staff_see_only_their_tenant(client):
    mine, theirs = ticket("acme", "acme ticket"), ticket("globex", "globex ticket")
    staff(client, "acme", "acme-agent", ["agent"])
    listing = client.get(reverse("admin:helpdesk_ticket_changelist"))
    assert listing.status_code == 200
    assert b"acme ticket" in listing.content and b"globex ticket" not in listing.content
    assert client.get(change_url(mine)).status_code == 200
    assert client.get(change_url(theirs)).status_code == 404
    transition = reverse("admin:helpdesk_ticket_transition", args=[theirs.pk, "close"])
    assert client.post(transition).status_code == 404
    assert Ticket.objects.get(pk=theirs.pk).status == "new"


def test_history_of_another_tenants_record_is_404(client):
    mine, theirs = ticket("acme", "acme ticket"), ticket("globex", "globex ticket")
    staff(client, "acme", "acme-agent", ["agent"])
    history = reverse("admin:helpdesk_ticket_history", args=[mine.pk])
    assert client.get(history).status_code == 200
    assert client.get(reverse("admin:helpdesk_ticket_history", args=[theirs.pk])).status_code == 404
    version = theirs.history.first().history_id
    assert client.get(reverse("admin:helpdesk_ticket_simple_history", args=[theirs.pk, version])).status_code == 404


def test_superuser_sees_every_tenant(client, admin_user):
    ticket("acme", "acme ticket"), ticket("globex", "globex ticket")
    client.force_login(admin_user)
    listing = client.get(reverse("admin:helpdesk_ticket_changelist"))
    assert b"acme ticket" in listing.content and b"globex ticket" in listing.content
    filtered = client.get(reverse("admin:helpdesk_ticket_changelist"), {"tenant_id": "globex"})
    assert b"acme ticket" not in filtered.content and b"globex ticket" in filtered.content


def test_buttons_only_for_allowed_transitions_and_enforced(client):
    obj = ticket("acme", submitter="per_acme-hr")
    staff(client, "acme", "acme-hr", ["hr"])  # not an agent; the submitter may only close
    page = client.get(change_url(obj))
    assert page.status_code == 200
    assert [t["name"] for t in page.context["fsm_transitions"]] == ["close"]
    response = client.post(reverse("admin:helpdesk_ticket_transition", args=[obj.pk, "resolve"]), follow=True)
    assert "needs one of the roles" in response.content.decode()
    assert Ticket.objects.get(pk=obj.pk).status == "new"


def test_transition_button_runs_the_service_with_a_comment(client):
    obj = ticket("acme")
    staff(client, "acme", "acme-agent", ["agent"])
    names = {t["name"] for t in client.get(change_url(obj)).context["fsm_transitions"]}
    assert names == {"open", "hold", "resolve", "close"}
    client.post(reverse("admin:helpdesk_ticket_transition", args=[obj.pk, "resolve"]), {"comment": "fixed the cable"})
    obj.refresh_from_db()
    assert obj.status == "resolved" and obj.resolved_at is not None
    last = obj.history.first()
    assert last.history_user_id == "per_acme-agent" and last.history_change_reason == "fixed the cable"
    event = Event.objects.get(entity_id=obj.pk, type="helpdesk.ticket.resolved")
    assert event.actor_id == "per_acme-agent"
    assert Ticket.objects.get(pk=obj.pk).source_type == "backend"


def test_get_request_to_transition_is_refused(client):
    obj = ticket("acme")
    staff(client, "acme", "acme-agent", ["agent"])
    assert client.get(reverse("admin:helpdesk_ticket_transition", args=[obj.pk, "close"])).status_code == 405


def test_bulk_action_reports_per_row(client):
    first, second = ticket("acme", "one"), ticket("acme", "two")
    staff(client, "acme", "acme-agent", ["agent"])
    client.post(reverse("admin:helpdesk_ticket_transition", args=[second.pk, "close"]))
    response = client.post(reverse("admin:helpdesk_ticket_changelist"),
                           {"action": "bulk_resolve", "_selected_action": [first.pk, second.pk]}, follow=True)
    text = [str(m) for m in response.context["messages"]]
    assert any(first.number in m and "resolve done" in m for m in text)
    assert any(second.number in m and "not allowed" in m for m in text)
    assert any("1 of 2 done" in m for m in text)
    assert Ticket.objects.get(pk=first.pk).status == "resolved"


def test_admin_edit_goes_through_services(client):
    obj = ticket("acme")
    staff(client, "acme", "acme-agent", ["agent"])
    page = client.get(change_url(obj))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update({"title": "Renamed in admin", "priority": "urgent", "type": "incident", "tags": "[]"})
    response = client.post(change_url(obj), data)
    assert response.status_code == 302, response.content[:2000]
    obj.refresh_from_db()
    assert obj.title == "Renamed in admin" and obj.updated_by == "per_acme-agent"
    assert Event.objects.filter(entity_id=obj.pk, type="helpdesk.ticket.updated").exists()


def test_audit_fields_are_read_only(client):
    obj = ticket("acme")
    staff(client, "acme", "acme-agent", ["agent"])
    form = client.get(change_url(obj)).context["adminform"].form
    for name in ("tenant_id", "created_by", "status", "number", "is_deleted"):
        assert name not in form.fields


def test_changelist_runs_no_count_star(client):
    for i in range(3):
        ticket("acme", f"t{i}")
    staff(client, "acme", "acme-agent", ["agent"])
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("admin:helpdesk_ticket_changelist")).status_code == 200
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]


def test_members_without_write_roles_cannot_edit_sla_policies(client):
    staff(client, "acme", "acme-agent", ["agent"])
    assert client.get(reverse("admin:helpdesk_slapolicy_add")).status_code == 403


def test_csv_export_of_selected_rows(client):
    one, other = ticket("acme", "one"), ticket("globex", "other")
    staff(client, "acme", "acme-agent", ["agent"])
    response = client.post(reverse("admin:helpdesk_ticket_changelist"),
                           {"action": "export_csv", "_selected_action": [one.pk, other.pk]})
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("id,number,title")
    assert one.pk in body and other.pk not in body  # the other tenant's row is never exported


def test_dashboard_for_an_approver(client):
    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    client.login(username="acme-approver", password="demo-pass-123")
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200
    assert page.context["tenant"] == "acme" and page.context["my_approvals_count"] >= 1
    assert all(row["step"].tenant_id == "acme" for row in page.context["my_approvals"])
    assert b"Tickets opened vs resolved" not in page.content  # tickets are the agents' work, not an approver's


def test_dashboard_query_count_is_bounded(client, django_assert_max_num_queries):
    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    client.login(username="acme-agent", password="demo-pass-123")
    with django_assert_max_num_queries(40):
        assert client.get(reverse("admin:index")).status_code == 200


def _edit(client, obj, **changes) -> dict:
    form = client.get(change_url(obj)).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    return {**data, "priority": "urgent", "type": "incident", "tags": "[]", **changes}


def test_the_admin_form_validates_without_writing(client):
    """As Django's admin: the form only validates; the named action runs in save_model."""
    from django.contrib import admin
    from django.test import RequestFactory

    obj = ticket("acme")
    staff(client, "acme", "acme-agent", ["agent"])
    data = _edit(client, obj, title="Only validated")
    request = RequestFactory().post(change_url(obj), data)
    request.user = StaffMembershipFactory._meta.model.objects.get(person_id="per_acme-agent").user
    form_class = admin.site._registry[Ticket].get_form(request, obj, change=True)
    with CaptureQueriesContext(connection) as queries:
        assert form_class(data, instance=obj).is_valid()
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert Ticket.objects.get(pk=obj.pk).title == "Broken"


def test_an_action_refusing_the_save_is_a_form_error_and_saves_nothing(client, monkeypatch):
    """The action runs after validation; when it refuses (here after writing), its transaction rolls
    back and the page shows the form again with the action's message on its field."""
    from django.contrib import admin
    from django.core.exceptions import ValidationError

    from apps.core.actions import Actions
    from apps.helpdesk.actions import TICKET_ACTIONS
    from apps.helpdesk.services import ticket_update

    def refusing_update(**kwargs):
        ticket_update(**kwargs)  # written, then refused: nothing may stay
        raise ValidationError({"title": "Refused by the action."})

    monkeypatch.setattr(admin.site._registry[Ticket], "record_actions",
                        Actions(Ticket, update=refusing_update, transitions=TICKET_ACTIONS.transitions))
    obj = ticket("acme")
    staff(client, "acme", "acme-agent", ["agent"])
    events = Event.objects.count()
    response = client.post(change_url(obj), _edit(client, obj, title="Never saved"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["title"] == ["Refused by the action."]
    assert Ticket.objects.get(pk=obj.pk).title == "Broken" and Event.objects.count() == events
