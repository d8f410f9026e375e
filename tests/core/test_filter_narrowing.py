"""A list builds its filterset with only the filters its query names (StrictFilterBackend.get_filterset):
the rows are the ones the whole generated filterset selects, and the errors the same."""
import pytest
from django.test import RequestFactory
from rest_framework.request import Request

from apps.core.api.filters import StrictFilterBackend, narrowed
from apps.core.principal import Principal
from apps.helpdesk.api.views import TicketViewSet
from apps.helpdesk.models import Ticket
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db
QUERIES = [
    "", "status=new", "status__in=new,open", "status__in=new&status__in=resolved", "priority=high&status=new",
    "created_at__gte=2000-01-01T00:00:00Z", "assigned_to_id=me", "assigned_to_id__in=me,per_x", "number=TKT-0001",
    "status=bogus", "created_at__gte=yesterday", "priority__in=urgent",
]


def request_for(query: str) -> Request:
    request = Request(RequestFactory().get("/api/v1/helpdesk/tickets?" + query))
    request.user = Principal(person_id="per_agent", tenant_id="acme", roles=frozenset({"agent"}))
    return request


def outcome(filterset) -> tuple:
    if not filterset.is_valid():
        return ("errors", dict(filterset.errors))
    return ("rows", sorted(filterset.qs.values_list("pk", flat=True)))


@pytest.mark.parametrize("query", QUERIES)
def test_a_narrowed_filterset_selects_what_the_whole_one_selects(query):
    for priority in ("high", "low"):
        TicketFactory(tenant_id="acme", priority=priority)
    TicketFactory(tenant_id="acme", assigned_to_id="per_agent")
    request, backend, view = request_for(query), StrictFilterBackend(), TicketViewSet()
    queryset = Ticket.objects.filter(tenant_id="acme")
    whole = TicketViewSet.filterset_class(**backend.get_filterset_kwargs(request, queryset, view))
    used = backend.get_filterset(request, queryset, view)
    assert set(used.filters) == set(request.query_params) & set(whole.filters)
    assert outcome(used) == outcome(whole)


def test_narrowed_classes_are_made_once_per_set_of_names():
    names = frozenset({"status", "priority"})
    assert narrowed(TicketViewSet.filterset_class, names) is narrowed(TicketViewSet.filterset_class, names)
    assert set(narrowed(TicketViewSet.filterset_class, names).base_filters) == names
    assert len(TicketViewSet.filterset_class.base_filters) > 50  # the generated class itself is untouched
