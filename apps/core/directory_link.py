"""What core's person fields read from the tenant's directory (apps/directory, an app above core):
the Person and Group models, the strict-mode check and the deactivation check. The directory registers
them in its AppConfig.ready; core never imports it."""
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class DirectoryLink:
    person: type  # the Person model
    group: type  # the Group model
    check_references: Callable  # (*, tenant_id, model, values, instance=None): strict mode, ValidationError
    is_deactivated: Callable  # (tenant_id, person_id) -> bool
    token_maker: Callable  # (scim token id) -> the person id who made the token, or None


_linked: list[DirectoryLink] = []


def link_directory(link: DirectoryLink) -> None:
    if _linked:
        raise ImproperlyConfigured("The directory is linked twice.")
    _linked.append(link)


def directory() -> DirectoryLink:
    if not _linked:
        raise ImproperlyConfigured("No directory is linked: apps.directory must be in INSTALLED_APPS.")
    return _linked[0]
