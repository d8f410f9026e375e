"""Labels and role lookups (apps/core/people.py) read the directory first, still one query a page."""
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.directory.services import person_deactivate, person_delete
from apps.core.people import display_people, has_role, label_rows, members_with_role
from apps.core.principal import system_principal
from tests.factories import StaffMembershipFactory


def staff(tenant: str, username: str, person_id: str, roles, **names):
    return StaffMembershipFactory(tenant__id=tenant, tenant__name=tenant, user__username=username,
                                  user__email=f"{username}@old.example", user__is_staff=False,
                                  **{f"user__{k}": v for k, v in names.items()}, person_id=person_id, roles=list(roles))


def test_labels_prefer_the_directory_and_fall_back_to_the_membership(make_person):
    make_person(id="per_ann", user_name="ann", display_name="Ann Lee", email="ann@acme.example")
    staff("acme", "ann-login", "per_ann", ["agent"], first_name="Annie")
    staff("acme", "bob-login", "per_bob", ["agent"], first_name="Bob", last_name="Stone")
    with CaptureQueriesContext(connection) as queries:
        labels = display_people("acme", ["per_ann", "per_bob", "per_unknown", None])
    assert len(queries.captured_queries) == 1
    assert labels == {"per_ann": "Ann Lee <ann@acme.example>", "per_bob": "Bob Stone <bob-login@old.example>",
                      "per_unknown": "per_unknown"}


def test_labels_are_per_tenant(make_person):
    make_person("globex", id="per_gus", user_name="gus", display_name="Gus")
    assert display_people("acme", ["per_gus"]) == {"per_gus": "per_gus"}


def test_a_deactivated_or_deleted_person_keeps_a_label_and_loses_roles(make_person):
    ann = make_person(id="per_ann", user_name="ann", display_name="Ann Lee")
    bob = make_person(id="per_bob", user_name="bob", display_name="Bob Stone")
    staff("acme", "ann-login", "per_ann", ["agent"])
    staff("acme", "bob-login", "per_bob", ["agent"])
    assert [p for p, _ in members_with_role("acme", ("agent",))] == ["per_ann", "per_bob"]
    assert dict(members_with_role("acme", ("agent",)))["per_ann"] == "Ann Lee"
    person_deactivate(actor=system_principal("acme"), obj=ann)
    person_delete(actor=system_principal("acme"), obj=bob)
    assert display_people("acme", ["per_ann", "per_bob"]) == {"per_ann": "Ann Lee (inactive)",
                                                              "per_bob": "Bob Stone (inactive)"}
    assert members_with_role("acme", ("agent",)) == []
    assert not has_role("acme", "per_ann", ("agent",)) and not has_role("acme", "per_bob", ("agent",))


def test_memberships_without_a_person_keep_working(db):
    staff("acme", "cy-login", "per_cy", ["approver"])
    assert has_role("acme", "per_cy", ("approver",))
    assert members_with_role("acme", ("approver",)) == [("per_cy", "cy-login <cy-login@old.example>")]


def test_label_rows_is_one_query_per_tenant(make_person):
    class Row:
        def __init__(self, tenant_id, requester_id):
            self.tenant_id, self.requester_id = tenant_id, requester_id

    make_person(id="per_ann", user_name="ann", display_name="Ann")
    rows = [Row("acme", "per_ann") for _ in range(30)] + [Row("acme", f"per_{i}") for i in range(20)]
    with CaptureQueriesContext(connection) as queries:
        label_rows(rows, ("requester_id",))
    assert len(queries.captured_queries) == 1 and rows[0]._people["per_ann"] == "Ann"
