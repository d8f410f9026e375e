"""The reply box's canned replies (per tenant, found by name in a picker, placeholders filled for the
ticket) and its file field (files kept on the reply through apps/files, seen by whoever sees the reply)."""
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.directory.models import Person
from apps.core.principal import Principal
from apps.files.models import Attachment
from apps.files.services import attachment_open
from apps.helpdesk.models import CannedReply, TicketComment
from apps.helpdesk.services import ticket_create
from tests.files.conftest import EXE, files_root, png_bytes  # noqa: F401  (files_root: a storage of its own)
from tests.helpdesk.test_admin_workbench import agent, change_url, messages_of, staff, url  # noqa: F401

pytestmark = pytest.mark.django_db
MEMBER = Principal(person_id="per_member", tenant_id="acme")
PICKER = reverse("admin:helpdesk_ticket_canned_replies")


@pytest.fixture(autouse=True)
def _files(files_root):  # noqa: F811
    return files_root


@pytest.fixture
def ticket(db):
    Person.all_objects.create(id="per_member", tenant_id="acme", user_name="mia", given_name="Mia", family_name="Member",
                              display_name="Mia Member", email="mia@acme.test")
    return ticket_create(actor=MEMBER, data={"title": "Printer jams", "description": "Every page."})


def canned(name: str, body: str, tenant: str = "acme", **extra) -> CannedReply:
    return CannedReply.all_objects.create(id=f"cnr_{name.replace(' ', '_')}", tenant_id=tenant, name=name, body=body,
                                          **extra)


def test_unknown_placeholders_are_refused_when_saved():
    reply = CannedReply(tenant_id="acme", name="Bad", body="Hi {{ requester.salary }}")
    with pytest.raises(ValidationError, match="Unknown placeholder"):
        reply.full_clean()


def picked(client, **params) -> list[tuple[str, str]]:
    return [(r["id"], r["text"]) for r in client.get(PICKER, params).json()["results"]]


def filled(client, ticket, reply_id: str):
    return client.get(url("canned_text", ticket), {"reply": reply_id})


def test_the_picker_offers_the_tenants_active_replies_by_name_and_fills_the_box_for_the_ticket(agent, ticket):
    fixed = canned("Printer fixed", "Hello {{ requester.given_name }}, {{ ticket.number }} is fixed. {{ agent.name }}")
    retired = canned("Retired", "old", active=False)
    theirs = canned("Globex only", "theirs", tenant="globex")
    html = agent.get(change_url(ticket)).content.decode()
    assert 'data-testid="canned-reply"' in html and url("canned_text", ticket) in html
    assert picked(agent) == [(fixed.pk, "Printer fixed")]
    assert picked(agent, term="print") == [(fixed.pk, "Printer fixed")] and picked(agent, term="globex") == []
    assert picked(agent, term=theirs.pk) == [] and picked(agent, term=retired.pk) == []
    assert filled(agent, ticket, fixed.pk).json() == {"body": f"Hello Mia, {ticket.number} is fixed. Ada Agent"}
    assert filled(agent, ticket, theirs.pk).status_code == 404 and filled(agent, ticket, retired.pk).status_code == 404


def test_the_picker_pages_through_many_replies_by_name(agent, ticket):
    replies = [canned(f"Reply {n:02}", "text") for n in range(25)]
    first = agent.get(PICKER).json()
    assert [r["text"] for r in first["results"]] == [r.name for r in replies[:20]] and first["pagination"]["more"]
    second = agent.get(PICKER, {"page": 2}).json()
    assert [r["id"] for r in second["results"]] == [r.pk for r in replies[20:]] and not second["pagination"]["more"]


def change_page(client, ticket) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(change_url(ticket))
    assert page.status_code == 200
    return len(queries), page.content.decode()


def test_the_ticket_page_costs_the_same_for_3_or_60_canned_replies(agent, ticket):
    for n in range(3):
        canned(f"Few {n}", "Hello {{ requester.name }}")
    change_page(agent, ticket)  # warm: the first page fills per-process caches
    few, html = change_page(agent, ticket)
    assert "Few 0" not in html and "Hello Mia" not in html
    for n in range(57):
        canned(f"Many {n}", "Hello {{ requester.name }}")
    many, html = change_page(agent, ticket)
    assert many == few and "Many 0" not in html


def test_without_an_active_canned_reply_the_box_offers_none_and_must_be_written(agent, ticket):
    canned("Retired", "old", active=False)
    html = agent.get(change_url(ticket)).content.decode()
    assert 'data-testid="canned-reply"' not in html and '<textarea id="reply-body" name="body" rows="4" required' in html


def test_a_member_is_offered_no_canned_reply_and_gets_no_text(client, ticket):
    reply = canned("Printer fixed", "Hello")
    client.force_login(staff("member", ["hr"], person_id="per_member"))  # the submitter, staff without agent role
    assert 'data-testid="canned-reply"' not in client.get(change_url(ticket)).content.decode()
    assert picked(client) == [] and filled(client, ticket, reply.pk).status_code == 404


def test_another_tenants_agent_gets_neither_the_replies_nor_the_text(client, ticket):
    reply = canned("Printer fixed", "Hello {{ requester.name }}")
    client.force_login(staff("gus", ["agent", "admin"], tenant="globex"))
    assert picked(client) == [] and picked(client, term=reply.pk) == []
    assert filled(client, ticket, reply.pk).status_code == 404


def test_a_canned_reply_sent_with_an_empty_box_is_filled_by_the_server(agent, ticket):
    reply = canned("Printer fixed", "Hello {{ requester.name }}, done. <b>{{ ticket.title }}</b>")
    response = agent.post(url("reply", ticket), {"body": "", "canned_reply": reply.pk}, follow=True)
    assert f"{ticket.number}: reply sent." in messages_of(response)
    comment = TicketComment.objects.get(ticket=ticket)
    assert comment.body == "Hello Mia Member, done. <b>Printer jams</b>"  # text: the page escapes it
    assert "&lt;b&gt;Printer jams&lt;/b&gt;" in response.content.decode()


def test_another_tenants_canned_reply_is_refused_and_nothing_is_sent(agent, ticket):
    theirs = canned("Globex", "theirs", tenant="globex")
    response = agent.post(url("reply", ticket), {"body": "", "canned_reply": theirs.pk}, follow=True)
    assert "That canned reply is not offered in your helpdesk." in messages_of(response)
    assert not TicketComment.objects.filter(ticket=ticket).exists() and "theirs" not in response.content.decode()


def test_canned_replies_are_managed_in_the_admin(agent):
    response = agent.post(reverse("admin:helpdesk_cannedreply_add"),
                          {"name": "Thanks", "body": "Thanks {{ requester.given_name }}!", "active": "on"}, follow=True)
    assert response.status_code == 200
    saved = CannedReply.objects.get(name="Thanks")
    assert (saved.tenant_id, saved.created_by) == ("acme", "per_agent")
    refused = agent.post(reverse("admin:helpdesk_cannedreply_add"), {"name": "Bad", "body": "{{ nope }}"})
    assert refused.status_code == 200 and "Unknown placeholder" in refused.content.decode()
    assert not CannedReply.objects.filter(name="Bad").exists()


def test_files_on_the_reply_box_are_kept_on_the_reply_with_its_visibility(agent, ticket):
    screenshot = SimpleUploadedFile("../../shot.png", png_bytes(), content_type="text/plain")
    response = agent.post(url("reply", ticket), {"body": "See the attached.", "files": [screenshot]}, follow=True)
    assert f"{ticket.number}: reply sent with 1 file." in messages_of(response)
    comment = TicketComment.objects.get(ticket=ticket)
    attachment = Attachment.objects.get(record_id=comment.pk)
    assert (attachment.record_type, attachment.filename, attachment.content_type, attachment.created_by) == (
        "helpdesk.ticketcomment", "shot.png", "image/png", "per_agent")
    attachment_open(actor=MEMBER, attachment_id=attachment.pk)  # the requester sees the public reply's file
    assert "shot.png" in response.content.decode()  # listed in the ticket's files


def test_an_internal_notes_file_is_hidden_from_the_requester(agent, ticket):
    agent.post(url("reply", ticket), {"body": "log", "internal": "on",
                                      "files": [SimpleUploadedFile("log.png", png_bytes())]})
    attachment = Attachment.objects.get()
    assert not Attachment.objects.visible_to(MEMBER).filter(pk=attachment.pk).exists()


def test_a_refused_file_sends_nothing(agent, ticket, files_root):  # noqa: F811
    good, bad = SimpleUploadedFile("a.png", png_bytes()), SimpleUploadedFile("tool.png", EXE)
    response = agent.post(url("reply", ticket), {"body": "Two files", "files": [good, bad]}, follow=True)
    assert any("Nothing was sent." in m for m in messages_of(response))
    assert not TicketComment.objects.filter(ticket=ticket).exists()
    assert not Attachment.all_objects.exists()
