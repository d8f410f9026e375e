"""A manager's view of their direct reports (Person.manager in the tenant's directory): the requests
still in progress and the access they hold, read-only. The same rules as the person's own pages: the
tenant's records only, a record of someone who does not report to them is a 404. HR letters and help
tickets stay private to the person and are not shown."""
from django.db.models import Q
from django.http import Http404

from apps.directory.models import Person
from apps.core.principal import Principal
from apps.operations.choices import AccessStatus, AccessType
from apps.operations.models import AccessRequest

from . import records

TEAM_KINDS = ("access", "equipment", "travel")
# Not finished yet: what a manager follows (a decided, delivered, booked or ended record is not).
IN_PROGRESS = {
    "access": ("pending", "approved", "provisioning", "provisioning_failed"),
    "equipment": ("requested", "approved", "ordered", "shipped"),
    "travel": ("requested", "approved"),
}


def reports(actor: Principal):
    """The ids of the people who report to the actor (a subquery: no query of its own)."""
    return Person.objects.filter(tenant_id=actor.tenant_id, manager_id=actor.person_id, is_deleted=False).values("pk")


def has_reports(actor: Principal) -> bool:
    return Person.objects.filter(tenant_id=actor.tenant_id, manager_id=actor.person_id, is_deleted=False).exists()


def _theirs(kind: records.Kind, actor: Principal):
    team = reports(actor)
    whose = Q(requester_id__in=team) | (Q(principal_id__in=team) if kind.slug == "access" else Q(pk__in=[]))
    return kind.model.objects.filter(whose, tenant_id=actor.tenant_id)


def team_requests(actor: Principal, *, also_people=(), limit: int = 50) -> tuple[list[records.Row], dict[str, str]]:
    """The reports' requests in progress, newest first, and the labels of the people named."""
    return records.rows_and_people(
        actor, kinds=TEAM_KINDS, limit=limit, also_people=also_people,
        rows_of=lambda kind: _theirs(kind, actor).filter(status__in=IN_PROGRESS[kind.slug]))


def team_access(actor: Principal, *, limit: int = 100) -> list[AccessRequest]:
    """The grants the reports hold (as principal, or asked for themselves), soonest end first."""
    team = reports(actor)
    return list(AccessRequest.objects.filter(
        Q(principal_id__in=team) | (Q(principal_id__isnull=True) | Q(principal_id="")) & Q(requester_id__in=team),
        tenant_id=actor.tenant_id, status=AccessStatus.PROVISIONED).exclude(access_type=AccessType.REVOKE)
        .select_related("entitlement__system").order_by("expires_at", "id")[:limit])


def report_record(actor: Principal, kind_slug: str, record_id: str):
    """A report's record (in progress or not), or 404."""
    if kind_slug not in TEAM_KINDS:
        raise Http404
    kind = records.KINDS[kind_slug]
    obj = _theirs(kind, actor).select_related(*kind.related).filter(pk=record_id).first()
    if obj is None:
        raise Http404
    return kind, obj
