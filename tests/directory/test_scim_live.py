"""End to end against a live server: the scim2-client library (over httpx2) provisions people and a
group the way an identity provider does and pages them by cursor (RFC 9865), then the scim2-tester
compliance checker runs its suite."""
import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import (
    Email, Group, GroupMember, InvalidCursorException, Name, PatchOp, PatchOperation, SearchRequest, User,
)

from apps.directory.models import Group as DirectoryGroup
from apps.directory.models import Person

from .conftest import new_token


@pytest.fixture
def scim(live_server, transactional_db):
    raw = new_token("acme", "Live IdP")
    http = httpx2.Client(base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {raw}"},
                         timeout=20)
    client = SyncSCIMClient(http)
    client.discover()
    yield client
    http.close()


def test_provision_with_scim2_client(scim):
    created = scim.create(User(user_name="ann.lee@acme.example", display_name="Ann Lee",
                               name=Name(given_name="Ann", family_name="Lee"),
                               emails=[Email(value="ann.lee@acme.example", primary=True, type="work")], active=True))
    assert created.id.startswith("per_") and created.user_name == "ann.lee@acme.example"
    person = Person.objects.get(pk=created.id)
    assert (person.tenant_id, person.display_name, person.email) == ("acme", "Ann Lee", "ann.lee@acme.example")

    found = scim.query(User, query_parameters=SearchRequest(filter='userName eq "ann.lee@acme.example"'))
    assert [u.id for u in found.resources] == [created.id]

    created.title = "Staff Engineer"
    replaced = scim.replace(created)
    assert replaced.title == "Staff Engineer"

    patch = PatchOp[User](operations=[PatchOperation[User](op=PatchOperation.Op.replace_, path="active", value=False)])
    scim.modify(User, created.id, patch)
    person.refresh_from_db()
    assert person.active is False and person.title == "Staff Engineer"

    team = scim.create(Group(display_name="Service Desk", members=[GroupMember(value=created.id)]))
    assert list(DirectoryGroup.objects.get(pk=team.id).members.values_list("pk", flat=True)) == [created.id]
    scim.delete(Group, team.id)
    scim.delete(User, created.id)
    assert Person.all_objects.get(pk=created.id).is_deleted
    assert not DirectoryGroup.objects.filter(pk=team.id).exists()


def test_page_by_cursor_with_scim2_client(scim):
    assert scim.service_provider_config.pagination.cursor is True
    created = sorted(scim.create(User(user_name=f"p{i}@acme.example", active=True)).id for i in range(5))
    Person.objects.bulk_create([Person(id=f"per_other{i}", tenant_id="globex", user_name=f"p{i}@globex.example")
                                for i in range(4)])
    listed, cursor, pages = [], "", 0
    while cursor is not None:
        page = scim.query(User, query_parameters=SearchRequest(cursor=cursor, count=2))
        listed += [u.id for u in page.resources or ()]
        cursor, pages = page.next_cursor, pages + 1
    assert listed == created and pages == 3

    first = scim.query(User, query_parameters=SearchRequest(cursor="", count=2))
    with pytest.raises(InvalidCursorException):
        scim.query(User, query_parameters=SearchRequest(cursor=first.next_cursor + "x", count=2))
    with pytest.raises(InvalidCursorException):  # issued for /Users
        scim.query(Group, query_parameters=SearchRequest(cursor=first.next_cursor, count=2))


def test_scim2_tester_compliance(scim):
    from scim2_tester import check_server
    from scim2_tester.utils import Status

    results = check_server(scim)
    failures = [f"{r.title}: {r.reason}" for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
    assert results and not failures, "\n".join(failures)
