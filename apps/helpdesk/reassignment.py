"""Open tickets nobody works any more: assigned to a person the directory deactivated or deleted.
One definition for the dashboard's count and the ticket list it links to (`?queue=reassign`)."""
from django.db.models import Exists, OuterRef, Q

from apps.directory.models import Person

CLOSED = ("resolved", "closed")


def assigned_to_inactive(tickets):
    gone = Person.all_objects.filter(Q(active=False) | Q(is_deleted=True), tenant_id=OuterRef("tenant_id"),
                                     pk=OuterRef("assigned_to_id"))
    return tickets.exclude(status__in=CLOSED).filter(assigned_to_id__isnull=False).filter(Exists(gone))
