"""An identity provider adds a big group's members a hundred at a time: a PATCH costs the same statements
whether the group holds 3 members or 300, and writes only what changed (the memberships it lacks, one event
naming them); the lifecycle opens a group's checklist for who joined, not for every member."""
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.directory.models import Group, Person
from apps.core.models import Event

from .test_scim_okta_entra import patch


def _people(tenant: str, prefix: str, n: int) -> list[str]:
    Person.objects.bulk_create([Person(id=f"per_{prefix}{i}", tenant_id=tenant, user_name=f"{prefix}{i}@acme.invalid")
                                for i in range(n)])
    return [f"per_{prefix}{i}" for i in range(n)]


def _add(scim, gid: str, ids: list[str]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = scim.patch(f"/Groups/{gid}", patch({"op": "add", "path": "members", "value": [{"value": p} for p in ids]}))
    assert response.status_code == 204, response.content
    return len(ctx.captured_queries)


def test_adding_members_costs_the_same_for_a_small_and_a_big_group(scim_a):
    small = scim_a.post("/Groups", {"displayName": "Small"}).doc["id"]
    big = scim_a.post("/Groups", {"displayName": "Big"}).doc["id"]
    Group.objects.get(pk=small).members.add(*_people("acme", "s", 3))
    Group.objects.get(pk=big).members.add(*_people("acme", "b", 300))
    joining = _people("acme", "new", 6)

    queries = (_add(scim_a, small, joining[:3]), _add(scim_a, big, joining[3:]))
    assert queries[0] == queries[1], queries
    assert Group.objects.get(pk=big).members.count() == 303 and Group.objects.get(pk=small).members.count() == 6

    # Added again (a second push): nothing written, no event.
    events = Event.objects.filter(type="core.group.members_changed").count()
    _add(scim_a, big, joining[3:])
    assert Event.objects.filter(type="core.group.members_changed").count() == events
    last = Event.objects.filter(entity_id=big, type="core.group.members_changed").get()
    assert last.payload == {"id": big, "added": sorted(joining[3:]), "removed": []}


def test_a_group_with_a_checklist_opens_it_for_who_joined_only(scim_a):
    from apps.lifecycle.models import OnboardingChecklist
    from apps.operations.models import Equipment

    gid = scim_a.post("/Groups", {"displayName": "Engineering"}).doc["id"]
    group = Group.objects.get(pk=gid)
    group.members.add(*_people("acme", "old", 20))
    OnboardingChecklist.objects.create(tenant_id="acme", group=group, equipment_type="laptop",
                                       equipment_specification="14-inch")
    joining = _people("acme", "join", 2)
    _add(scim_a, gid, joining)
    assert sorted(Equipment.objects.filter(tenant_id="acme").values_list("requester_id", flat=True)) == sorted(joining)
