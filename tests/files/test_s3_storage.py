"""The S3 path of the "files" storage (django-storages' S3Storage) against moto's S3 server on
127.0.0.1: upload, download, purge, and a bucket that refuses (no half-saved row)."""
import socket

import pytest
from datetime import timedelta
from django.utils import timezone

from apps.core.services import record_delete
from apps.files.errors import StorageFailed
from apps.files.models import Attachment
from apps.files.services import attachment_open, file_attach, files_purge
from tests.factories import TicketFactory

from .conftest import PDF, principal

pytestmark = pytest.mark.django_db
AGENT = principal("per_agent", "agent")
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    import boto3

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    name = f"files-{timezone.now():%H%M%S%f}"
    client.create_bucket(Bucket=name)
    settings.STORAGES = {**settings.STORAGES, "files": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": name, "endpoint_url": s3_endpoint, "access_key": "testing", "secret_key": "testing",
        "region_name": "us-east-1", "default_acl": None, "file_overwrite": False}}}
    return client, name


def keys(client, name) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", []))


def test_files_go_to_the_bucket_and_come_back(bucket):
    client, name = bucket
    ticket = TicketFactory()
    att = file_attach(actor=AGENT, record=ticket, filename="report.pdf", content=PDF)
    assert keys(client, name) == [f"acme/{att.pk}"]
    _, handle = attachment_open(actor=AGENT, attachment_id=att.pk)
    with handle:
        assert handle.read() == PDF
    record_delete(actor=principal("per_admin", "admin"), obj=ticket)
    assert files_purge(now=timezone.now() + timedelta(days=31))["purged"] == 1
    assert keys(client, name) == []


def test_a_missing_bucket_is_a_clear_error_and_saves_nothing(bucket, settings):
    settings.STORAGES["files"]["OPTIONS"]["bucket_name"] = "no-such-bucket"
    settings.STORAGES = dict(settings.STORAGES)
    with pytest.raises(StorageFailed):
        file_attach(actor=AGENT, record=TicketFactory(), filename="report.pdf", content=PDF)
    assert not Attachment.all_objects.exists()
