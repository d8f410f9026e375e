"""Ask, follow and answer through the portal: access asked from the catalog, decided in two steps
by approvers without admin access, granted by IT, renewed; letters, trips, equipment, tickets."""
import re
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from apps.approvals.models import ApprovalStep
from apps.core.principal import Principal
from apps.helpdesk.models import Ticket, TicketComment
from apps.operations.actions import access_request_provision
from apps.operations.models import AccessRequest, Equipment, HRRequest, Travel


def form_token(client, kind: str) -> str:
    page = client.get(f"/portal/ask/{kind}/").content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def ask_access(client, world, days="30", why="Release work on the mobile app"):
    token = form_token(client, "access")
    return client.post("/portal/ask/access/", {"form_token": token, "entitlement": world.entitlement.pk,
                                               "duration_days": days, "justification": why})


def test_access_through_two_portal_approvals_then_granted_and_renewed(client, world, as_user):
    cache.clear()
    as_user(world.employee)
    response = ask_access(client, world)
    assert response.status_code == 302, response.content.decode()[:3000]
    grant = AccessRequest.objects.get(requester_id="per_emp")
    assert response.url == f"/portal/requests/access/{grant.pk}/"
    assert grant.entitlement == world.entitlement and grant.entitlement_type == "Maintainer"
    assert grant.system_id == world.entitlement.system_id
    page = client.get(response.url).content.decode()
    assert "Waiting for Grace Hopper, step 1 of 2" in page

    # Step 1: Grace decides in the portal; Max cannot decide his own.
    step1 = ApprovalStep.objects.get(approval_request__entity_id=grant.pk, step_index=0)
    assert client.get(f"/portal/waiting/{step1.pk}/").status_code == 404
    as_user(world.approver1)
    waiting = client.get("/portal/waiting/").content.decode()
    assert "Maintainer" in waiting and f"/portal/waiting/{step1.pk}/" in waiting
    refused = client.post(f"/portal/waiting/{step1.pk}/", {"decision": "reject", "comment": ""})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    assert client.post(f"/portal/waiting/{step1.pk}/", {"decision": "approve", "comment": "Fine"}).status_code == 302
    # Step 2: Ada.
    step2 = ApprovalStep.objects.get(approval_request__entity_id=grant.pk, step_index=1)
    assert client.get(f"/portal/waiting/{step2.pk}/").status_code == 404  # not Grace's
    as_user(world.approver2)
    assert client.post(f"/portal/waiting/{step2.pk}/", {"decision": "approve", "comment": ""}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == "approved"

    # IT grants it (the admin/API service); Max follows it and renews it.
    it = Principal(person_id="per_it", tenant_id="acme", roles=frozenset({"it"}), source_type="backend")
    access_request_provision(actor=it, access_request=grant, expires_at=timezone.now() + timedelta(days=30),
                             comment="Added to the team")
    as_user(world.employee)
    detail = client.get(f"/portal/requests/access/{grant.pk}/").content.decode()
    for words in ("Step 1 of 2 approved by Grace Hopper", "Fine", "Step 2 of 2 approved by Ada Lovelace",
                  "Access granted by Linus Berg", "Added to the team", "Expires"):
        assert words in detail, words
    mine = client.get("/portal/access/").content.decode()
    assert "Maintainer" in mine and "Renew" in mine
    renewed = client.post(f"/portal/access/{grant.pk}/renew/")
    renewal = AccessRequest.objects.exclude(pk=grant.pk).get(requester_id="per_emp")
    assert renewed.url == f"/portal/requests/access/{renewal.pk}/"
    assert renewal.access_type == "modify" and grant.pk in renewal.justification
    assert renewal.expires_at <= grant.expires_at + timedelta(days=90)
    client.post(f"/portal/access/{grant.pk}/renew/")  # a second click files nothing more
    assert AccessRequest.objects.filter(requester_id="per_emp").count() == 2


def test_a_duration_above_the_entitlements_limit_is_an_error_next_to_the_field_and_keeps_the_text(client, world, as_user):
    as_user(world.employee)
    response = ask_access(client, world, days="120", why="My very own words")
    page = response.content.decode()
    assert response.status_code == 400 and "at most 90 days" in page and "My very own words" in page
    assert 'id="id_duration_days_error"' in page
    assert not AccessRequest.objects.exists()


def test_another_tenants_entitlement_is_not_a_choice(client, world, as_user):
    as_user(world.employee)
    token = form_token(client, "access")
    response = client.post("/portal/ask/access/", {"form_token": token, "entitlement": world.globex_entitlement.pk,
                                                   "duration_days": "10", "justification": "x"})
    assert response.status_code == 400 and "id_entitlement_error" in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_a_double_submit_files_once_and_opens_the_first(client, world, as_user):
    cache.clear()
    as_user(world.employee)
    token = form_token(client, "equipment")
    data = {"form_token": token, "equipment_type": "Laptop", "specification": "14 inch"}
    first = client.post("/portal/ask/equipment/", data)
    second = client.post("/portal/ask/equipment/", data)
    assert Equipment.objects.count() == 1
    assert first.status_code == second.status_code == 302 and first.url == second.url


def test_a_forged_form_token_files_nothing(client, world, as_user):
    as_user(world.employee)
    response = client.post("/portal/ask/equipment/", {"form_token": "forged", "equipment_type": "Laptop",
                                                      "specification": "14 inch"})
    assert response.status_code == 400 and not Equipment.objects.exists()
    as_user(world.other)  # another person's token
    token = form_token(client, "equipment")
    as_user(world.employee)
    response = client.post("/portal/ask/equipment/", {"form_token": token, "equipment_type": "Laptop",
                                                      "specification": "x"})
    assert response.status_code == 400 and not Equipment.objects.exists()


def test_every_kind_is_asked_and_listed_newest_first(client, world, as_user):
    cache.clear()
    as_user(world.employee)
    today = timezone.localdate()
    forms = {
        "hr": {"type": "employment_letter", "description": "For my landlord", "deliverable_type": "digital"},
        "travel": {"destination": "Lisbon, Portugal", "departure": today + timedelta(days=10),
                   "back": today + timedelta(days=12), "purpose": "Customer visit", "estimated_cost": "900"},
        "ticket": {"title": "VPN drops", "description": "Every hour", "type": "incident", "priority": "medium"},
        "equipment": {"equipment_type": "Monitor", "specification": "27 inch"},
    }
    for kind, data in forms.items():
        response = client.post(f"/portal/ask/{kind}/", {"form_token": form_token(client, kind), **data})
        assert response.status_code == 302, (kind, response.content.decode()[:2000])
    assert HRRequest.objects.get().requester_id == "per_emp"
    assert Travel.objects.get().requester_id == "per_emp"
    assert Ticket.objects.get().submitted_by_id == "per_emp"
    page = client.get("/portal/requests/").content.decode()
    order = [page.index(t) for t in ("27 inch" if False else "Monitor", "VPN drops", "Lisbon", "Employment letter")]
    assert order == sorted(order), order
    assert "Waiting for HR" in page


def test_a_trip_coming_back_before_it_leaves_is_an_error_next_to_the_field(client, world, as_user):
    as_user(world.employee)
    today = timezone.localdate()
    response = client.post("/portal/ask/travel/", {
        "form_token": form_token(client, "travel"), "destination": "Oslo", "departure": today + timedelta(days=5),
        "back": today + timedelta(days=2), "purpose": "Fjords"})
    assert response.status_code == 400 and 'id="id_back_error"' in response.content.decode()
    assert "Fjords" in response.content.decode()


def test_withdraw_while_pending_cancels_the_approval_and_the_request(client, world, as_user):
    cache.clear()
    as_user(world.employee)
    ask_access(client, world)
    grant = AccessRequest.objects.get()
    assert client.post(f"/portal/requests/access/{grant.pk}/withdraw/", {"reason": "No longer needed"}).status_code == 302
    grant = AccessRequest.all_objects.get(pk=grant.pk)
    assert grant.is_deleted
    step = ApprovalStep.objects.get(approval_request__entity_id=grant.pk, step_index=0)
    assert step.approval_request.status == "cancelled"
    page = client.get(f"/portal/requests/access/{grant.pk}/").content.decode()
    assert "Withdrawn" in page and "No longer needed" in page
    as_user(world.approver1)
    assert f"/portal/waiting/{step.pk}/" not in client.get("/portal/waiting/").content.decode()


def test_a_ticket_shows_the_public_conversation_never_internal_notes_and_takes_a_reply(client, world, as_user):
    as_user(world.employee)
    client.post("/portal/ask/ticket/", {"form_token": form_token(client, "ticket"), "title": "Printer",
                                        "description": "Jammed", "type": "incident", "priority": "low"})
    ticket = Ticket.objects.get()
    agent = Principal(person_id="per_it", tenant_id="acme", roles=frozenset({"agent"}), source_type="backend")
    from apps.helpdesk.services import ticket_comment_create

    ticket_comment_create(actor=agent, ticket=ticket, body="Try turning it off and on", internal=False)
    ticket_comment_create(actor=agent, ticket=ticket, body="SECRET internal note", internal=True)
    page = client.get(f"/portal/requests/ticket/{ticket.pk}/").content.decode()
    assert "Try turning it off and on" in page and "SECRET" not in page
    assert client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "Still jammed"}).status_code == 302
    reply = TicketComment.objects.get(body="Still jammed")
    assert reply.author_id == "per_emp" and not reply.internal
