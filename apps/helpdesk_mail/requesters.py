"""Who a sender is: the directory's person with that address, else a staff user's, else an external
requester (when the tenant accepts unknown senders). E-mail proves nothing, so whoever it is acts with
no roles at all (see `requester_principal`)."""
from apps.core.models import StaffMembership
from apps.directory.models import Person
from apps.core.models import SourceType
from apps.core.principal import Principal
from apps.notifications.recipients import Address

from .models import ExternalRequester


def known_person(tenant_id: str, email: str) -> str | None:
    """The person id the tenant's directory (or staff) knows by this address; None for a stranger."""
    person = (Person.objects.filter(tenant_id=tenant_id, email__iexact=email, active=True)
              .order_by("id").values_list("id", flat=True).first())
    if person:
        return person
    return (StaffMembership.objects.filter(tenant_id=tenant_id, user__email__iexact=email, user__is_active=True)
            .order_by("id").values_list("person_id", flat=True).first())


def external_requester(tenant_id: str, email: str, name: str) -> str:
    found, _ = ExternalRequester.objects.get_or_create(tenant_id=tenant_id, email=email.lower(),
                                                       defaults={"name": name[:200]})
    return found.pk


def requester_principal(tenant_id: str, person_id: str) -> Principal:
    """The sender acts as a member: a From header naming a member of staff is no proof of being one,
    so it never brings their roles (no internal notes, no first response, no agent transitions)."""
    return Principal(person_id=person_id, tenant_id=tenant_id, roles=frozenset(), source_type=SourceType.SERVER)


def external_addresses(tenant_id: str, person_ids) -> dict[str, Address]:
    rows = ExternalRequester.objects.filter(tenant_id=tenant_id, pk__in=[p for p in person_ids if p.startswith("ext_")])
    return {r.pk: Address(email=r.email, name=r.name or r.email) for r in rows}
