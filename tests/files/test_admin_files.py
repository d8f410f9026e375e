"""Files in the admin: the Files section on record pages (upload, list, preview, download, remove),
scoped as the records are; refusals are messages and save nothing."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.files.models import Attachment
from apps.files.services import file_attach
from apps.helpdesk.services import ticket_comment_create
from tests.factories import HRRequestFactory, PolicyFactory, PolicyVersionFactory, StaffMembershipFactory, TicketFactory

from .conftest import EXE, PDF, principal, png_bytes

pytestmark = pytest.mark.django_db
UPLOAD = "admin:files_attachment_upload"


def login(client, username, roles, tenant="acme"):
    user = StaffMembershipFactory(tenant__id=tenant, tenant__name=tenant, user__username=username,
                                  person_id=f"per_{username}", roles=roles).user
    client.force_login(user)
    return client


def post_file(client, record_id, name, data, next_url="/admin/"):
    return client.post(reverse(UPLOAD), {"record_id": record_id, "next": next_url,
                                         "file": SimpleUploadedFile(name, data)})


def messages_of(client, url) -> list[str]:
    return [str(m) for m in client.get(url).context["messages"]]


def test_an_agent_uploads_a_screenshot_sees_it_previewed_and_downloads_it(client):
    agent = login(client, "agent", ["agent"])
    ticket = TicketFactory()
    page = reverse("admin:helpdesk_ticket_change", args=[ticket.pk])
    response = post_file(agent, ticket.pk, "screen.png", png_bytes(), next_url=page)
    assert response.status_code == 302 and response["Location"] == page
    att = Attachment.objects.get()
    assert (att.record_id, att.created_by, att.content_type) == (ticket.pk, "per_agent", "image/png")
    html = agent.get(page).content.decode()
    assert 'data-testid="files-panel"' in html and 'data-testid="file-preview"' in html and "screen.png" in html
    download = agent.get(reverse("admin:files_attachment_download", args=[att.pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download["Content-Security-Policy"]


def test_comment_files_show_on_the_ticket_page_but_internal_ones_only_to_agents(client):
    ticket = TicketFactory()
    agent_actor = principal("per_agent", "agent")
    public = ticket_comment_create(actor=agent_actor, ticket=ticket, body="See log")
    note = ticket_comment_create(actor=agent_actor, ticket=ticket, body="secret", internal=True)
    file_attach(actor=agent_actor, record=public, filename="public.txt", content=b"public")
    file_attach(actor=agent_actor, record=note, filename="internal.txt", content=b"internal")
    agent = login(client, "agent2", ["agent"])
    html = agent.get(reverse("admin:helpdesk_ticket_change", args=[ticket.pk])).content.decode()
    assert "public.txt" in html and "internal.txt" in html


def test_refused_files_are_messages_and_save_nothing(client):
    agent = login(client, "agent", ["agent"])
    ticket = TicketFactory()
    page = reverse("admin:helpdesk_ticket_change", args=[ticket.pk])
    post_file(agent, ticket.pk, "invoice.pdf", EXE, next_url=page)
    assert any("not accepted" in m for m in messages_of(agent, page))
    post_file(agent, ticket.pk, "photo.png", PDF, next_url=page)
    assert any("checked by content" in m for m in messages_of(agent, page))
    assert not Attachment.all_objects.exists()


def test_another_tenants_or_a_hidden_record_is_a_404(client):
    hr_request = HRRequestFactory()
    att = file_attach(actor=principal(hr_request.requester_id), record=hr_request, filename="a.pdf", content=PDF)
    other = login(client, "agent", ["agent", "it"])
    assert post_file(other, hr_request.pk, "a.txt", b"x").status_code == 404
    assert other.get(reverse("admin:files_attachment_download", args=[att.pk])).status_code == 404
    assert other.post(reverse("admin:files_attachment_remove", args=[att.pk])).status_code == 404
    client.logout()
    globex = login(client, "globex_admin", ["admin"], tenant="globex")
    assert globex.get(reverse("admin:files_attachment_download", args=[att.pk])).status_code == 404
    assert post_file(globex, hr_request.pk, "a.txt", b"x").status_code == 404
    client.logout()
    hr = login(client, "hr", ["hr"])
    page = reverse("admin:operations_hrrequest_change", args=[hr_request.pk])
    assert "a.pdf" in hr.get(page).content.decode()
    assert hr.get(reverse("admin:files_attachment_download", args=[att.pk])).status_code == 200


def test_policy_versions_take_files_from_hr_on_the_policy_page(client):
    policy = PolicyFactory()
    version = PolicyVersionFactory(policy=policy, version="1.0.0")
    hr = login(client, "hr", ["hr"])
    page = reverse("admin:policies_policy_change", args=[policy.pk])
    assert f'value="pvr_{version.pk}"' in hr.get(page).content.decode()
    post_file(hr, f"pvr_{version.pk}", "signed.pdf", PDF, next_url=page)
    assert Attachment.objects.get().record_id == f"pvr_{version.pk}"
    assert "signed.pdf" in hr.get(page).content.decode()


def test_the_uploader_removes_a_file_and_it_is_gone_from_the_page(client):
    agent = login(client, "agent", ["agent"])
    ticket = TicketFactory()
    page = reverse("admin:helpdesk_ticket_change", args=[ticket.pk])
    post_file(agent, ticket.pk, "a.txt", b"x", next_url=page)
    att = Attachment.objects.get()
    assert agent.post(reverse("admin:files_attachment_remove", args=[att.pk]), {"next": page}).status_code == 302
    assert Attachment.all_objects.get(pk=att.pk).is_deleted
    html = agent.get(page).content.decode()
    assert "a.txt removed." in html and f'data-file-id="{att.pk}"' not in html and 'data-testid="files-empty"' in html


def test_the_offboarding_case_offers_an_upload_only_to_whoever_may_attach_there(client):
    """Evidence reports are the engine's: IT works and reads the case but adds no file (no button, and a
    post is refused and saves nothing); an admin sees the button and the file is kept."""
    from tests.factories import OffboardingCaseFactory

    case = OffboardingCaseFactory(tenant_id="acme")
    page = reverse("admin:lifecycle_offboardingcase_change", args=[case.pk])
    it = login(client, "it", ["it"])
    html = it.get(page).content.decode()
    assert 'data-testid="files-panel"' in html and 'data-testid="file-upload"' not in html
    post_file(it, case.pk, "receipt.pdf", PDF, next_url=page)
    assert not Attachment.objects.filter(record_id=case.pk).exists()
    assert any("needs one of the roles" in m for m in messages_of(it, page))

    admin = login(client, "boss", ["admin"])
    assert 'data-testid="file-upload"' in admin.get(page).content.decode()
    post_file(admin, case.pk, "receipt.pdf", PDF, next_url=page)
    kept = Attachment.objects.get(record_id=case.pk)
    assert (kept.filename, kept.created_by, kept.record_type) == ("receipt.pdf", "per_boss", "lifecycle.offboardingcase")
