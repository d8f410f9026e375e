"""A signed link to one file for one person (sent in e-mails: the requester of an HR letter opens
it without an API token). Opening it checks again that the person sees the file's record."""
from dataclasses import dataclass

from django.urls import reverse

from apps.notifications.links import SignedLink, absolute


@dataclass(frozen=True)
class FileLink(SignedLink):
    salt = "files.download"
    max_age_setting = "FILES_LINK_MAX_AGE"
    keys = {"tenant_id": "t", "person_id": "p", "attachment_id": "a"}

    tenant_id: str
    person_id: str
    attachment_id: str


def file_url(link: FileLink) -> str:
    return absolute(reverse("files:download", args=[link.token()]))
