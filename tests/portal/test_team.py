"""My team: a manager sees the requests in progress of the people who report to them (Person.manager)
and the access they hold, and opens each read-only; anyone else's record is a 404."""
from django.utils import timezone

from apps.directory.models import Person
from apps.operations.models import AccessRequest

from .test_isolation import file_all


def manage(*people: str, manager: str = "per_ap1") -> None:
    Person.objects.filter(tenant_id="acme", pk__in=people).update(manager_id=manager)


def test_a_manager_follows_their_reports_requests_in_progress_and_their_access(client, world, as_user):
    manage("per_emp")
    max_ = file_all(world, "acme", "per_emp")
    erika = file_all(world, "acme", "per_other")  # reports to no one
    grant = file_all(world, "acme", "per_emp")["access"]
    AccessRequest.objects.filter(pk=grant.pk).update(status="provisioned", provisioned_at=timezone.now())
    rejected = file_all(world, "acme", "per_emp")["equipment"]
    type(rejected).objects.filter(pk=rejected.pk).update(status="rejected")
    as_user(world.approver1)
    assert "My team" in client.get("/portal/").content.decode()
    page = client.get("/portal/team/").content.decode()
    for kind in ("access", "equipment", "travel"):
        assert f"/portal/team/{kind}/{max_[kind].pk}/" in page
    assert "for Max Mustermann" in page and "Waiting for Grace Hopper, step 1 of 2" in page
    assert f"/portal/team/access/{grant.pk}/" in page  # under "Access they hold"
    for hidden in (max_["hr"], max_["ticket"], rejected, *erika.values()):
        assert hidden.pk not in page, hidden
    detail = client.get(f"/portal/team/access/{max_['access'].pk}/").content.decode()
    assert "Asked by Max Mustermann, who reports to you." in detail and "What they asked" in detail
    assert "Withdraw" not in detail and "Give up" not in detail
    assert client.get(f"/portal/team/equipment/{rejected.pk}/").status_code == 200  # decided: still theirs to read


def test_records_of_people_who_do_not_report_to_them_are_404(client, world, as_user):
    manage("per_emp")
    max_ = file_all(world, "acme", "per_emp")
    erika = file_all(world, "acme", "per_other")
    as_user(world.approver1)
    for kind in ("hr", "ticket"):  # private to the person, even for their manager
        assert client.get(f"/portal/team/{kind}/{max_[kind].pk}/").status_code == 404
    for kind, obj in erika.items():
        assert client.get(f"/portal/team/{kind}/{obj.pk}/").status_code == 404
    as_user(world.approver2)  # not Max's manager
    assert client.get(f"/portal/team/access/{max_['access'].pk}/").status_code == 404
    assert "No one reports to you" in client.get("/portal/team/").content.decode()
    Person.objects.create(tenant_id="globex", id="per_gx2", user_name="g2@globex.invalid", manager_id="per_gx")
    gx = file_all(world, "globex", "per_gx2")
    as_user(world.foreign)  # globex's manager of per_gx2 sees them, never acme's
    assert client.get(f"/portal/team/access/{gx['access'].pk}/").status_code == 200
    assert client.get(f"/portal/team/access/{max_['access'].pk}/").status_code == 404
    manage("per_emp", manager="per_gx")  # a forged cross-tenant manager id names no acme person of theirs
    assert client.get(f"/portal/team/access/{max_['access'].pk}/").status_code == 404


def test_a_report_who_leaves_the_directory_leaves_the_team(client, world, as_user):
    manage("per_emp")
    mine = file_all(world, "acme", "per_emp")
    Person.objects.filter(pk="per_emp").update(is_deleted=True, deleted_at=timezone.now())
    as_user(world.approver1)
    assert client.get(f"/portal/team/access/{mine['access'].pk}/").status_code == 404
