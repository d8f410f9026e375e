"""What offboarding e-mails say (apps/notifications renders them): the case, its leaver and items, and
for the item that failed, the target's error. Only IT, HR and admins open the case; the leaver's manager
is pointed at what now waits for them instead."""
from django.urls import reverse

from apps.directory.models import Person
from apps.core.people import has_role
from apps.notifications.links import absolute

from .models import LIFECYCLE_STAFF, OffboardingCase, OffboardingItem

SHOWN = 20


def leaver_name(case: OffboardingCase) -> str:
    """The leaver's name (a subject line needs neither their address nor that they are inactive now)."""
    person = Person.all_objects.filter(tenant_id=case.tenant_id, pk=case.person_id).first()
    if person is None:
        return case.person_id
    return person.display_name or " ".join(n for n in (person.given_name, person.family_name) if n) or person.user_name


def offboarding_context(context: dict, *, event, notification, record) -> None:
    item = record if isinstance(record, OffboardingItem) else None
    case = item.case if item is not None else record if isinstance(record, OffboardingCase) else None
    if case is None:
        return
    items = list(case.items.order_by("kind", "id")[:SHOWN])
    context.update(case=case, item=item, leaver=leaver_name(case),
                   case_items=items, case_item_count=case.items.count())
    recipient = notification.recipient_id or ""
    if ":" not in recipient and not has_role(case.tenant_id, recipient, (*LIFECYCLE_STAFF, "admin")):
        context["links"]["record"] = ""  # the case is not theirs to open
        context["links"]["waiting"] = absolute(reverse("portal:waiting"))
