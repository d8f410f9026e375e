"""Saved changelist filters: the services, the changelist panel, tenancy and bad input."""
import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core.exceptions import Forbidden
from apps.core.principal import Principal
from apps.core.saved_filter_services import clean_query, saved_filter_create, saved_filter_delete
from apps.core.saved_filters import SavedFilter
from apps.helpdesk.services import ticket_create
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db
LIST = reverse("admin:helpdesk_ticket_changelist")
SAVE = reverse("admin:helpdesk_ticket_saved_filter_save")
TICKETS = "helpdesk.ticket"
ACCEPTED = {"status__exact", "priority__exact", "q", "o"}


def actor(person: str = "per_agent", tenant: str = "acme", roles=("agent",)) -> Principal:
    return Principal(person_id=person, tenant_id=tenant, roles=frozenset(roles), source_type="backend")


def staff(client, username: str = "agent", tenant: str = "acme", roles=("agent",)):
    membership = StaffMembershipFactory(tenant__id=tenant, tenant__name=tenant, user__username=f"{tenant}-{username}",
                                        person_id=f"per_{tenant}_{username}", roles=list(roles))
    client.force_login(membership.user)
    return membership


def saved(owner: str = "per_acme_agent", tenant: str = "acme", name: str = "My open", query: str = "status__exact=open",
          shared: bool = False, changelist: str = TICKETS) -> SavedFilter:
    return saved_filter_create(actor=actor(owner, tenant), changelist=changelist, name=name, query=query,
                               accepted=ACCEPTED, shared=shared)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# -- services ---------------------------------------------------------------------------------
def test_clean_query_keeps_the_view_and_drops_the_page_and_flags():
    query = "?status__exact=open&p=3&e=1&_changelist_filters=x%3D1&q=printer&o=-2.1&_facets=True"
    assert clean_query(query, accepted=ACCEPTED) == "status__exact=open&q=printer&o=-2.1"
    assert clean_query("", accepted=ACCEPTED) == ""


@pytest.mark.parametrize("query, message", [
    ("tenant_id=globex", "Not a filter of this list: tenant_id"),
    ("status__exact=open&password__startswith=a", "Not a filter of this list: password__startswith"),
    ("o=drop table", "Not an ordering"),
    ("q=" + "x" * 1200, "too long"),
    ("&".join(f"status__exact={i}" for i in range(40)), "More than 30 parameters"),
])
def test_clean_query_refuses_what_the_list_does_not_take(query, message):
    with pytest.raises(ValidationError) as refused:
        clean_query(query, accepted=ACCEPTED)
    assert message in " ".join(refused.value.messages)


def test_create_owns_and_scopes_the_filter_and_names_are_unique_per_owner_and_list():
    first = saved(query="status__exact=open&p=2")
    assert (first.tenant_id, first.owner_id, first.changelist, first.query) == ("acme", "per_acme_agent", TICKETS,
                                                                               "status__exact=open")
    with pytest.raises(ValidationError, match="already have"):
        saved()
    saved(owner="per_acme_other")  # another person may use the same name
    saved(changelist="operations.accessrequest")  # and so may the same person on another list
    assert SavedFilter.objects.filter(name="My open").count() == 3
    with pytest.raises(ValidationError, match="name"):
        saved(name="   ")


def test_visible_to_is_own_plus_shared_of_the_tenant():
    mine, shared, private = saved(), saved(owner="per_acme_lead", name="Team", shared=True), saved(
        owner="per_acme_lead", name="Lead's own")
    saved(owner="per_globex_agent", tenant="globex", name="Theirs", shared=True)
    assert set(SavedFilter.visible_to(actor("per_acme_agent"), TICKETS)) == {mine, shared}
    assert private not in SavedFilter.visible_to(actor("per_acme_agent"), TICKETS)


def test_delete_is_the_owners_or_an_admins_when_shared():
    shared = saved(owner="per_acme_lead", name="Team", shared=True)
    with pytest.raises(Forbidden):
        saved_filter_delete(actor=actor("per_acme_agent"), saved_filter=shared)
    saved_filter_delete(actor=actor("per_acme_boss", roles=("admin",)), saved_filter=shared)
    assert not SavedFilter.objects.filter(pk=shared.pk).exists()
    theirs = saved(owner="per_globex_admin", tenant="globex", shared=True)
    with pytest.raises(Forbidden):
        saved_filter_delete(actor=actor("per_acme_boss", roles=("admin",)), saved_filter=theirs)
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()


# -- the changelist ----------------------------------------------------------------------------
def test_save_from_the_list_then_open_it(client):
    staff(client)
    ticket_create(actor=actor("per_member"), data={"title": "Printer on fire"})
    response = client.post(SAVE, {"name": "My open", "query": "status__exact=new&p=2&e=1"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?status__exact=new"
    row = SavedFilter.objects.get()
    assert (row.owner_id, row.tenant_id, row.query, row.shared) == ("per_acme_agent", "acme", "status__exact=new", False)
    panel = client.get(LIST).context["saved_filters"]
    assert [(f["name"], f["query"], f["active"], f["may_delete"]) for f in panel] == [
        ("My open", "status__exact=new", False, True)]
    opened = client.get(f"{LIST}?status__exact=new")
    assert opened.context["saved_filters"][0]["active"] is True
    assert 'href="?status__exact=new"' in opened.content.decode()
    assert "Printer on fire" in opened.content.decode()


def test_shared_filters_are_listed_to_colleagues_who_may_not_delete_them(client):
    lead = saved(owner="per_acme_lead", name="Team queue", shared=True, query="priority__exact=high")
    saved(owner="per_acme_lead", name="Lead only")
    staff(client)
    panel = client.get(LIST).context["saved_filters"]
    assert [(f["name"], f["mine"], f["may_delete"]) for f in panel] == [("Team queue", False, False)]
    delete = reverse("admin:helpdesk_ticket_saved_filter_delete", args=[lead.pk])
    response = client.post(delete)
    assert response.status_code == 302 and "Only the one who saved it" in " ".join(messages_of(response))
    assert SavedFilter.objects.filter(pk=lead.pk).exists()


def test_delete_own_from_the_list(client):
    staff(client)
    mine = saved()
    response = client.post(reverse("admin:helpdesk_ticket_saved_filter_delete", args=[mine.pk]),
                           {"query": "status__exact=open"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?status__exact=open"
    assert not SavedFilter.objects.exists()


def test_another_tenants_filter_is_never_listed_and_its_delete_is_404(client):
    theirs = saved(owner="per_globex_agent", tenant="globex", name="Theirs", shared=True)
    private_colleague = saved(owner="per_acme_lead", name="Lead only")
    staff(client, roles=("admin",))
    listing = client.get(LIST)
    assert listing.context["saved_filters"] == [] and theirs.pk not in listing.content.decode()
    for other in (theirs, private_colleague):
        assert client.post(reverse("admin:helpdesk_ticket_saved_filter_delete", args=[other.pk])).status_code == 404
    assert SavedFilter.objects.count() == 2


def test_another_lists_filter_is_not_listed_here(client):
    staff(client)
    saved(changelist="operations.accessrequest", name="Access")
    assert client.get(LIST).context["saved_filters"] == []


@pytest.mark.parametrize("data, message", [
    ({"name": "x", "query": "tenant_id=globex"}, "Not a filter of this list: tenant_id"),
    ({"name": "x", "query": "submitted_by_id=per_acme_boss"}, "Not a filter of this list: submitted_by_id"),
    ({"name": "x", "query": "o=1;drop"}, "Not an ordering"),
    ({"name": "x", "query": "q=" + "y" * 5000}, "too long"),
    ({"name": "x", "query": "&".join(f"a{i}=1" for i in range(40))}, "More than 30"),
    ({"name": "x" * 200, "query": "status__exact=new"}, "At most 80"),
    ({"name": "", "query": "status__exact=new"}, "Give the filter a name"),
    ({"name": "x", "query": "created_at__year=notayear"}, "does not take"),
])
def test_bad_input_is_a_form_error_never_a_500(client, data, message):
    staff(client)
    client.raise_request_exception = False
    response = client.post(SAVE, data)
    assert response.status_code == 302
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert not SavedFilter.objects.exists()


def test_a_duplicate_name_is_a_form_error(client):
    staff(client)
    client.post(SAVE, {"name": "Mine", "query": "status__exact=new"})
    response = client.post(SAVE, {"name": "Mine", "query": "status__exact=open"})
    assert response.status_code == 302 and any("already have" in m for m in messages_of(response))
    assert SavedFilter.objects.get().query == "status__exact=new"


def test_get_is_refused_and_signed_out_is_sent_to_login(client):
    assert "/login/" in client.post(SAVE, {"name": "x", "query": ""})["Location"]
    staff(client)
    assert client.get(SAVE).status_code == 405


def test_a_superuser_of_no_tenant_has_no_saved_filters(client, admin_user):
    client.force_login(admin_user)
    assert "saved_filters" not in client.get(LIST).context
    assert client.post(SAVE, {"name": "x", "query": ""}).status_code == 403
    assert not SavedFilter.objects.exists()


def test_the_panel_costs_one_query_however_many_filters(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff(client)
    saved(name="one")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return sum("core_savedfilter" in q["sql"] for q in captured.captured_queries)

    assert count() == 1
    for i in range(5):
        saved(name=f"more {i}", shared=True)
    assert count() == 1


def test_a_list_address_with_too_many_parameters_still_opens(client):
    staff(client)
    response = client.get(LIST + "?" + "&".join(f"status__exact=x{i}" for i in range(70)))
    assert response.status_code in (200, 302) and response.status_code < 500
