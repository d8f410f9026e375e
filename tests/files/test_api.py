"""The files API: multipart upload, list per record, download with safe headers, problem+json errors."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.files.models import Attachment
from tests.factories import HRRequestFactory, TicketFactory
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    TenantIsolationTests,
)

from .conftest import EXE, PDF, png_bytes

pytestmark = pytest.mark.django_db
URL = "/api/v1/files/attachments"


class TestAttachmentResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests,
                             StampTests):
    model = Attachment


def upload(client, record_id, name, data, **extra):
    return client.post(URL, {"record_id": record_id, "file": SimpleUploadedFile(name, data, content_type="image/png")},
                       format="multipart", **extra)


def test_upload_list_download(caller):
    agent = caller("acme", "per_agent", ("agent",))
    ticket = TicketFactory()
    data = png_bytes()
    created = upload(agent, ticket.pk, "screen.png", data)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["record_id"], body["content_type"], body["filename"], body["size"]) == (ticket.pk, "image/png", "screen.png", len(data))
    assert "storage_name" not in body
    listed = agent.get(URL, {"record_id": ticket.pk}).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    download = agent.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"] == 'attachment; filename="screen.png"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in download["Content-Security-Policy"] and "sandbox" in download["Content-Security-Policy"]
    inline = agent.get(body["download_url"] + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline")


def test_the_requester_uploads_to_their_own_request_and_others_get_404(caller):
    hr_request = HRRequestFactory(requester_id="per_req", created_by="per_req")
    requester = caller("acme", "per_req")
    created = upload(requester, hr_request.pk, "passport.pdf", PDF)
    assert created.status_code == 201
    att_id = created.json()["id"]
    for outsider in (caller("acme", "per_other"), caller("acme", "per_it", ("it", "agent")),
                     caller("globex", "per_admin_b", ("admin",)), caller("globex", "per_req")):
        assert outsider.get(f"{URL}/{att_id}/content").status_code == 404
        assert outsider.get(f"{URL}/{att_id}").status_code == 404
        assert outsider.get(URL, {"record_id": hr_request.pk}).json()["results"] == []
        refused = upload(outsider, hr_request.pk, "x.pdf", PDF)
        assert refused.status_code == 404 and refused["Content-Type"] == "application/problem+json"
    assert caller("acme", "per_hr", ("hr",)).get(f"{URL}/{att_id}/content").status_code == 200


@pytest.mark.parametrize("name, data, code, status", [
    ("invoice.pdf", EXE, "file_type_refused", 415),
    ("photo.png", PDF, "file_type_refused", 415),
    ("empty.txt", b"", "file_refused", 400),
])
def test_refusals_are_problem_json(caller, name, data, code, status):
    response = upload(caller("acme", "per_agent", ("agent",)), TicketFactory().pk, name, data)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response.json()["errors"][0]["field"] == "file"
    assert not Attachment.all_objects.exists()


def test_too_large_is_413_and_a_body_past_the_upload_limit_is_refused_before_reading(caller, settings):
    settings.FILES_MAX_BYTES = 1000
    agent = caller("acme", "per_agent", ("agent",))
    ticket = TicketFactory()
    response = upload(agent, ticket.pk, "big.txt", b"x" * 1001)
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    response = upload(agent, ticket.pk, "huge.txt", b"x" * 5000)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_a_path_traversal_name_is_only_a_display_name(caller, files_root):
    response = upload(caller("acme", "per_agent", ("agent",)), TicketFactory().pk, "../../../etc/cron.d/x.txt", b"* * * * *\n")
    assert response.status_code == 201
    assert response.json()["filename"] == "x.txt"
    assert [p.relative_to(files_root).as_posix() for p in files_root.rglob("*") if p.is_file()] == [f"acme/{response.json()['id']}"]


def test_missing_file_or_record_is_a_400_and_json_is_refused(caller):
    agent = caller("acme", "per_agent", ("agent",))
    assert agent.post(URL, {"record_id": TicketFactory().pk}, format="multipart").status_code == 400
    assert agent.post(URL, {"record_id": "tkt_nope"}, format="json").status_code == 400
    response = upload(agent, "usr_unknown", "a.txt", b"x")
    assert response.status_code == 404


def test_delete_by_uploader_soft_deletes(caller):
    agent = caller("acme", "per_agent", ("agent",))
    att_id = upload(agent, TicketFactory().pk, "a.txt", b"x").json()["id"]
    assert caller("acme", "per_agent2", ("agent",)).delete(f"{URL}/{att_id}").status_code == 403
    assert agent.delete(f"{URL}/{att_id}").status_code == 204
    assert agent.get(f"{URL}/{att_id}/content").status_code == 404
    assert Attachment.all_objects.get(pk=att_id).is_deleted


def test_the_schema_documents_the_multipart_upload(caller):
    schema = caller("acme", "per_agent", ("agent",)).get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    post = schema["paths"]["/api/v1/files/attachments"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert "/api/v1/files/attachments/{id}/content" in schema["paths"]
