"""The malware scan against a real clamd (Debian's clamav-daemon) on a unix socket, with a custom
signature of our own (no virus database download): a matching file is quarantined and cannot be
downloaded, a clean one can; clamd down means pending (not downloadable) until `scan_files`."""
import shutil
import subprocess
import time
from io import StringIO

import pytest
from django.core.management import call_command

from apps.files.models import ScanStatus
from apps.files.services import attachment_open, file_attach
from apps.files.errors import FileNotDownloadable
from tests.factories import TicketFactory

from .conftest import principal

pytestmark = pytest.mark.django_db
CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
MARKER = b"X5O-BACKOFFICE-TEST-MALWARE-MARKER"
AGENT = principal("per_agent", "agent")


@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    if not shutil.which(CLAMD):
        pytest.skip("clamd (Debian's clamav-daemon) is not installed")
    root = tmp_path_factory.mktemp("clamd")
    (root / "db").mkdir()
    (root / "db" / "backoffice.ndb").write_text(f"Backoffice.Test.Marker:0:*:{MARKER.hex()}\n")
    socket = root / "clamd.sock"
    (root / "clamd.conf").write_text(f"Foreground yes\nLocalSocket {socket}\nDatabaseDirectory {root / 'db'}\n"
                                     f"LogFile {root / 'clamd.log'}\n")
    process = subprocess.Popen([CLAMD, "-c", str(root / "clamd.conf")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"clamd did not start: {(root / 'clamd.log').read_text() if (root / 'clamd.log').exists() else ''}")
        time.sleep(0.2)
    yield f"unix://{socket}"
    process.terminate()
    process.wait(timeout=10)


def test_a_file_clamd_flags_is_quarantined_and_never_downloaded(clamd, settings, caller):
    settings.FILES_CLAMD = clamd
    ticket = TicketFactory()
    bad = file_attach(actor=AGENT, record=ticket, filename="notes.txt", content=b"hello " + MARKER + b" bye\n")
    assert (bad.scan_status, bad.scan_detail) == (ScanStatus.QUARANTINED, "Backoffice.Test.Marker.UNOFFICIAL")
    with pytest.raises(FileNotDownloadable, match="quarantined"):
        attachment_open(actor=AGENT, attachment_id=bad.pk)
    response = caller("acme", "per_agent", ("agent",)).get(f"/api/v1/files/attachments/{bad.pk}/content")
    assert response.status_code == 409 and response.json()["scan_status"] == "quarantined"
    good = file_attach(actor=AGENT, record=ticket, filename="fine.txt", content=b"all fine\n")
    assert good.scan_status == ScanStatus.CLEAN
    attachment_open(actor=AGENT, attachment_id=good.pk)[1].close()


def test_clamd_down_means_pending_until_rescanned(clamd, settings, tmp_path):
    settings.FILES_CLAMD = f"unix://{tmp_path}/nobody-listens.sock"
    att = file_attach(actor=AGENT, record=TicketFactory(), filename="a.txt", content=b"fine\n")
    assert att.scan_status == ScanStatus.PENDING and "unavailable" in att.scan_detail
    with pytest.raises(FileNotDownloadable, match="not been scanned"):
        attachment_open(actor=AGENT, attachment_id=att.pk)
    settings.FILES_CLAMD = clamd
    out = StringIO()
    call_command("scan_files", stdout=out)
    assert "1 clean" in out.getvalue()
    att.refresh_from_db()
    assert att.scan_status == ScanStatus.CLEAN
