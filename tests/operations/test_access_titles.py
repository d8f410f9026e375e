"""A catalog access request is named by its system's and entitlement's names wherever it is titled
(the record's title, the approvers' inbox rows, the admin's list, e-mails), never by the system's id."""
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.approvals.models import ApprovalStep
from apps.approvals.summaries import summarise
from apps.core.principal import Principal
from apps.operations.models import AccessRequest
from apps.portal.views.ask import file_record
from tests.portal.conftest import world  # noqa: F401 (the portal's small world)

EMPLOYEE = Principal(person_id="per_emp", tenant_id="acme", source_type="frontend")


def file_access(world, justification="Release work"):  # noqa: F811
    ent = world.entitlement
    return file_record(actor=EMPLOYEE, kind="access", data={
        "entitlement": ent, "system_id": ent.system_id, "entitlement_type": ent.name, "access_type": "new",
        "justification": justification, "requester_id": "per_emp"})


def test_the_title_reads_the_catalog_systems_name(world):  # noqa: F811
    request = AccessRequest.objects.get(pk=file_access(world).pk)
    assert request.system_id.startswith("sys_")
    assert str(request) == "GitHub acme · Maintainer — Max Mustermann"
    typed = AccessRequest(tenant_id="acme", system_id="github", entitlement_type="admin", requester_id="per_emp")
    assert str(typed).startswith("Github · admin")  # outside the catalog: the name typed


def test_inbox_rows_name_the_system_and_load_it_with_the_rows(world):  # noqa: F811
    def inbox():
        steps = ApprovalStep.objects.filter(approver_id="per_ap1").select_related("approval_request")
        with CaptureQueriesContext(connection) as queries:
            rows = summarise(steps)
        return rows, len(queries)

    file_access(world)
    rows, one = inbox()
    assert rows[0]["title"] == "Access request: GitHub acme · Maintainer — Max Mustermann"
    for i in range(4):
        file_access(world, f"more {i}")
    rows, five = inbox()
    assert len(rows) == 5 and five == one
    assert not any("sys_" in row["title"] for row in rows)


def test_the_admin_list_names_the_system(world, client):  # noqa: F811
    request = file_access(world)
    client.force_login(world.it)
    page = client.get("/admin/operations/accessrequest/").content.decode()
    assert "GitHub acme" in page and request.pk in page
    assert f">{request.system_id}<" not in page
