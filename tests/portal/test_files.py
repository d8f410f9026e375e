"""A record's files in the portal: HR's letter (and a ticket's files) listed on the person's request
page and downloaded through the portal with their session (the files service's rules: scan status,
storage); the fulfilment's link points there. Another person's file is a 404, even through one's own record."""
import pytest

from apps.core.principal import Principal
from apps.files.services import file_attach
from apps.letters.services import download_url
from apps.operations.actions import hr_request_fulfill

from .test_isolation import file_all

HR = Principal(person_id="per_it", tenant_id="acme", roles=frozenset({"hr"}), source_type="backend")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def files_root(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


def fulfilled_with_letter(hr_request):
    attachment = file_attach(actor=HR, record=hr_request, filename="Employment letter - Max.pdf", content=PDF,
                             source="letter")
    hr_request_fulfill(actor=HR, hr_request=hr_request, deliverable_url=download_url(attachment.pk), comment="Signed")
    return attachment


def test_the_person_downloads_the_letter_from_their_request(client, world, as_user, files_root):
    mine = file_all(world, "acme", "per_emp")
    letter = fulfilled_with_letter(mine["hr"])
    as_user(world.employee)
    page = client.get(f"/portal/requests/hr/{mine['hr'].pk}/").content.decode()
    url = f"/portal/requests/hr/{mine['hr'].pk}/files/{letter.pk}/"
    assert page.count(f'href="{url}"') == 2  # the Files list and the fulfilment's moment
    assert "/api/v1/files/" not in page
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert 'attachment; filename="Employment letter - Max.pdf"' in response["Content-Disposition"]


def test_another_persons_file_is_404_even_through_ones_own_record(client, world, as_user, files_root):
    mine = file_all(world, "acme", "per_emp")
    theirs = file_all(world, "acme", "per_other")
    their_letter = fulfilled_with_letter(theirs["hr"])
    as_user(world.employee)
    assert client.get(f"/portal/requests/hr/{theirs['hr'].pk}/files/{their_letter.pk}/").status_code == 404
    assert client.get(f"/portal/requests/hr/{mine['hr'].pk}/files/{their_letter.pk}/").status_code == 404
    as_user(world.foreign)
    assert client.get(f"/portal/requests/hr/{theirs['hr'].pk}/files/{their_letter.pk}/").status_code == 404
