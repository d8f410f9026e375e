"""Provisioning as a lifecycle, end to end against a real SCIM server on 127.0.0.1 (scim2-server):
approval grants through the connector, expiry and revoke requests remove, renewal asserts, faults are
retried with backoff or left to IT, and two workers never grant twice."""
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.directory.models import Person
from apps.core.models import Event
from apps.core.principal import system_principal
from apps.integration.catalog_models import AccessSystem, Entitlement
from apps.integration.services import connector_create
from apps.operations.models import AccessRequest, Pending
from apps.operations.provisioning import provisioning_run, provisioning_sweep
from tests.conftest import postgres_only

BASE = "/api/v1/operations/access-requests"


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run as they are enqueued (after commit), as a worker would run them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def catalog(db, scim_target):
    admin = system_principal("acme", person_id="per_admin")
    connector = connector_create(actor=admin, data={
        "type": "scim", "provider": "generic_scim", "name": "Chat (SCIM)",
        "config": {"base_url": scim_target.url}, "credentials": {"token": scim_target.token}})
    system = AccessSystem.objects.create(tenant_id="acme", name="Chat", connector=connector, owner_id="per_owner")
    group = scim_target.create_group("chat-admins")
    entitlement = Entitlement.objects.create(tenant_id="acme", system=system, name="Admins", target_ref=group)
    Person.objects.create(tenant_id="acme", id="per_alice", user_name="alice@acme.invalid",
                          email="alice@acme.invalid", display_name="Alice Liddell")
    return {"connector": connector, "system": system, "entitlement": entitlement, "group": group}


def file_request(catalog, *, access_type="new", expires_at=None) -> AccessRequest:
    entitlement = catalog["entitlement"]
    return AccessRequest.objects.create(
        tenant_id="acme", requester_id="per_alice", created_by="per_alice", access_type=access_type,
        justification="On call", entitlement=entitlement, system_id=entitlement.system_id,
        entitlement_type=entitlement.name, asset_id=entitlement.system_id, expires_at=expires_at,
        principal_id="per_alice" if access_type == "revoke" else None)


def act(client, request, name, body=None, status=200):
    response = client.post(f"{BASE}/{request.pk}/{name}", body or {}, format="json")
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def approver(caller):
    return caller("acme", "per_approver", ("approver",))


@pytest.fixture
def it(caller):
    return caller("acme", "per_it", ("it",))


def retry_falls_due(request) -> None:
    """Time passes until the request's next attempt (the clock of the sweep and of the worker)."""
    AccessRequest.objects.filter(pk=request.pk).update(provisioning_next_attempt_at=timezone.now() - timedelta(seconds=1))


def events_of(request) -> list[str]:
    return list(Event.objects.filter(entity_id=request.pk).order_by("id").values_list("type", flat=True))


def test_approval_grants_in_the_target_and_stamps_what_it_confirmed(catalog, scim_target, approver,
                                                                    immediate_tasks, django_capture_on_commit_callbacks):
    request = file_request(catalog)
    with django_capture_on_commit_callbacks(execute=True):
        act(approver, request, "approve")

    assert scim_target.member_names(catalog["group"]) == {"alice@acme.invalid"}
    request.refresh_from_db()
    assert request.status == "provisioned"
    assert request.granted_by_id == catalog["connector"].id and request.granted_at and request.provisioned_at
    assert "alice@acme.invalid holds Admins in Chat" in request.provisioning_note
    assert events_of(request)[-3:] == ["operations.access_request.approved",
                                       "operations.access_request.provisioning_started",
                                       "operations.access_request.provisioning_succeeded"]
    # a second step (a duplicate enqueue) changes nothing and calls nothing
    patches = sum(1 for method, _ in scim_target.requests if method == "PATCH")
    assert provisioning_run(request.pk) == "nothing due"
    assert sum(1 for method, _ in scim_target.requests if method == "PATCH") == patches


def test_approval_enqueues_on_the_task_backend_after_commit(catalog, approver, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    request = file_request(catalog)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        act(approver, request, "approve")
        assert not DBTaskResult.objects.filter(task_path="apps.operations.tasks.provision_access").exists()
    for callback in callbacks:
        callback()
    queued = DBTaskResult.objects.get(task_path="apps.operations.tasks.provision_access")
    assert queued.task_path == "apps.operations.tasks.provision_access" and queued.args_kwargs["args"] == [request.pk]
    request.refresh_from_db()
    assert request.status == "approved" and request.provisioning_next_attempt_at  # the sweep's fallback


def test_a_target_that_is_down_fails_is_retried_with_backoff_then_granted(catalog, scim_target, approver,
                                                                         immediate_tasks,
                                                                         django_capture_on_commit_callbacks):
    request = file_request(catalog)
    scim_target.stop()
    with django_capture_on_commit_callbacks(execute=True):
        act(approver, request, "approve")
    request.refresh_from_db()
    assert request.status == "provisioning_failed" and "cannot connect" in request.provisioning_error
    assert request.provisioning_attempts == 1 and request.granted_at is None
    first_retry = request.provisioning_next_attempt_at
    assert timedelta(seconds=50) < first_retry - timezone.now() <= timedelta(seconds=60)

    # not due yet: the sweep leaves it; a 503 on the next attempt doubles the wait
    assert provisioning_sweep() == 0
    scim_target.start()
    scim_target.fail_next(503)
    retry_falls_due(request)
    with django_capture_on_commit_callbacks(execute=True):
        assert provisioning_sweep() == 1
    request.refresh_from_db()
    assert request.status == "provisioning_failed" and "HTTP 503" in request.provisioning_error
    assert request.provisioning_attempts == 2
    assert request.provisioning_next_attempt_at - timezone.now() > timedelta(seconds=100)

    retry_falls_due(request)
    with django_capture_on_commit_callbacks(execute=True):
        provisioning_sweep()
    request.refresh_from_db()
    assert request.status == "provisioned" and request.provisioning_error == ""
    assert scim_target.member_names(catalog["group"]) == {"alice@acme.invalid"}
    kinds = events_of(request)
    assert kinds.count("operations.access_request.provisioning_failed") == 2
    assert kinds[-1] == "operations.access_request.provisioning_succeeded"


def test_retries_are_bounded(catalog, scim_target, approver, immediate_tasks, settings,
                             django_capture_on_commit_callbacks):
    settings.PROVISIONING_MAX_ATTEMPTS = 2
    request = file_request(catalog)
    scim_target.stop()
    with django_capture_on_commit_callbacks(execute=True):
        act(approver, request, "approve")
    retry_falls_due(request)
    with django_capture_on_commit_callbacks(execute=True):
        provisioning_sweep()
    request.refresh_from_db()
    assert request.status == "provisioning_failed" and request.provisioning_attempts == 2
    assert request.provisioning_next_attempt_at is None  # IT decides now
    assert provisioning_sweep(now=timezone.now() + timedelta(days=30)) == 0


def test_a_4xx_fails_without_automatic_retry_and_it_retries_or_marks_manual(catalog, scim_target, approver, it,
                                                                           immediate_tasks,
                                                                           django_capture_on_commit_callbacks):
    entitlement = catalog["entitlement"]
    Entitlement.objects.filter(pk=entitlement.pk).update(target_ref="no-such-group")
    request = file_request(catalog)
    with django_capture_on_commit_callbacks(execute=True):
        act(approver, request, "approve")
    request.refresh_from_db()
    assert request.status == "provisioning_failed" and "HTTP 404" in request.provisioning_error
    assert request.provisioning_next_attempt_at is None
    assert scim_target.token not in request.provisioning_error
    failed = Event.objects.get(entity_id=request.pk, type="operations.access_request.provisioning_failed")
    assert "HTTP 404" in failed.payload["provisioning_error"]

    # IT fixes the catalog and retries over the API: granted
    Entitlement.objects.filter(pk=entitlement.pk).update(target_ref=catalog["group"])
    shown = it.get(f"{BASE}/{request.pk}").json()
    assert shown["status"] == "provisioning_failed" and "HTTP 404" in shown["provisioning_error"]
    assert "retry_provisioning" in shown.get("allowed_transitions", ["retry_provisioning"])
    with django_capture_on_commit_callbacks(execute=True):
        act(it, request, "retry_provisioning")
    request.refresh_from_db()
    assert request.status == "provisioned"
    assert scim_target.member_names(catalog["group"]) == {"alice@acme.invalid"}


def test_it_marks_a_failed_grant_as_done_by_hand(catalog, scim_target, approver, it, immediate_tasks,
                                                django_capture_on_commit_callbacks):
    scim_target.fail_next(400)
    request = file_request(catalog)
    with django_capture_on_commit_callbacks(execute=True):
        act(approver, request, "approve")
    act(it, request, "mark_manual", status=400)  # a reason is required
    body = act(it, request, "mark_manual", {"comment": "Added in the vendor console"})
    assert body["status"] == "provisioned" and body["granted_by_id"] == "per_it"
    assert body["provisioning_note"] == "Added in the vendor console"


def test_engine_steps_are_not_in_the_api_and_connector_requests_skip_the_hand_provision(catalog, approver, it,
                                                                                       django_capture_on_commit_callbacks):
    request = file_request(catalog)
    with django_capture_on_commit_callbacks(execute=False):
        act(approver, request, "approve")
    assert it.post(f"{BASE}/{request.pk}/provision", {}, format="json").status_code == 409
    assert it.post(f"{BASE}/{request.pk}/confirm_provisioning", {}, format="json").status_code == 404


def _granted(catalog, approver, capture, **extra) -> AccessRequest:
    request = file_request(catalog, **extra)
    with capture(execute=True):
        act(approver, request, "approve")
    request.refresh_from_db()
    assert request.status == "provisioned"
    return request


def test_expiry_removes_the_member_in_the_target_before_completing(catalog, scim_target, approver, immediate_tasks,
                                                                  django_capture_on_commit_callbacks):
    request = _granted(catalog, approver, django_capture_on_commit_callbacks,
                       expires_at=timezone.now() + timedelta(hours=1))
    AccessRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    scim_target.fail_next(503)  # the first removal fails: the grant stays, with the error
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_access", stdout=out)
    assert "1 handed to connectors" in out.getvalue()
    request.refresh_from_db()
    assert request.status == "provisioned" and "HTTP 503" in request.provisioning_error
    assert scim_target.member_names(catalog["group"]) == {"alice@acme.invalid"}

    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_access", stdout=StringIO())  # already being removed: keeps its schedule
    request.refresh_from_db()
    assert request.status == "provisioned" and request.provisioning_next_attempt_at > timezone.now()
    retry_falls_due(request)
    with django_capture_on_commit_callbacks(execute=True):
        provisioning_sweep()
    request.refresh_from_db()
    assert request.status == "completed" and request.provisioning_error == ""
    assert scim_target.member_names(catalog["group"]) == set()
    assert events_of(request)[-1] == "operations.access_request.revoked"


def test_a_revoke_request_removes_the_access_and_ends_the_grant(catalog, scim_target, approver, immediate_tasks,
                                                               django_capture_on_commit_callbacks):
    grant = _granted(catalog, approver, django_capture_on_commit_callbacks)
    revoke = file_request(catalog, access_type="revoke")
    with django_capture_on_commit_callbacks(execute=True):
        act(approver, revoke, "approve")
    revoke.refresh_from_db()
    grant.refresh_from_db()
    assert scim_target.member_names(catalog["group"]) == set()
    assert revoke.status == "provisioned" and grant.status == "completed"
    assert events_of(grant)[-1] == "operations.access_request.revoked"


def test_renewal_asserts_the_grant_again_in_the_target(catalog, scim_target, approver, caller, immediate_tasks,
                                                      django_capture_on_commit_callbacks):
    request = _granted(catalog, approver, django_capture_on_commit_callbacks,
                       expires_at=timezone.now() + timedelta(days=1))
    # removed in the target behind our back; renewing puts it back
    alice = scim_target.user("alice@acme.invalid")["id"]
    scim_target._call("PATCH", f"/Groups/{catalog['group']}", json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": f'members[value eq "{alice}"]'}]})
    assert scim_target.member_names(catalog["group"]) == set()
    with django_capture_on_commit_callbacks(execute=True):
        act(caller("acme", "per_it", ("it",)), request, "renew",
            {"expires_at": (timezone.now() + timedelta(days=30)).isoformat()})
    request.refresh_from_db()
    assert request.status == "provisioned" and request.provisioning_op == ""
    assert scim_target.member_names(catalog["group"]) == {"alice@acme.invalid"}


def test_a_manual_system_is_a_task_for_the_owner_and_advances_when_it_is_closed(
        db, caller, approver, immediate_tasks, django_capture_on_commit_callbacks):
    system = AccessSystem.objects.create(tenant_id="acme", name="Badge office", owner_id="per_owner")
    entitlement = Entitlement.objects.create(tenant_id="acme", system=system, name="Server room")
    Person.objects.create(tenant_id="acme", id="per_alice", user_name="alice@acme.invalid")
    request = file_request({"entitlement": entitlement})
    with django_capture_on_commit_callbacks(execute=True):
        act(approver, request, "approve")
    request.refresh_from_db()
    task = Pending.objects.get(type="access_grant", source_id=request.pk)
    assert request.status == "provisioning" and task.assignee_id == "per_owner"
    assert "Server room" in task.title

    owner = caller("acme", "per_owner", ())
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(f"/api/v1/operations/pending/{task.pk}/complete", {}, format="json")
    assert response.status_code == 200, response.content
    request.refresh_from_db()
    assert request.status == "provisioned" and request.granted_by_id == "per_owner"


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_grant_twice(catalog, scim_target, approver, django_capture_on_commit_callbacks):
    request = file_request(catalog)
    with django_capture_on_commit_callbacks(execute=False):  # the queue is not run: the workers below are
        act(approver, request, "approve")
    scim_target.delay = 0.3  # the target is slow: both workers are in flight at once
    results = []

    def worker():
        try:
            results.append(provisioning_run(request.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("granted") == 1, results
    assert sum(1 for method, _ in scim_target.requests if method == "PATCH") == 1
    assert [path for method, path in scim_target.requests if method == "POST"].count("/v2/Users") == 1
    request.refresh_from_db()
    assert request.status == "provisioned"
    assert events_of(request).count("operations.access_request.provisioning_succeeded") == 1


def test_it_sees_the_targets_error_in_the_admin_and_retries_there(catalog, scim_target, approver, immediate_tasks,
                                                                  django_capture_on_commit_callbacks):
    from django.test import Client

    from apps.core.models import Tenant
    from tests.factories import StaffMembershipFactory

    Tenant.objects.get_or_create(id="acme", defaults={"name": "Acme"})
    user = StaffMembershipFactory(user__username="per_it", person_id="per_it", roles=["it"]).user
    admin = Client()
    admin.force_login(user)
    scim_target.fail_next(403)
    request = file_request(catalog)
    with django_capture_on_commit_callbacks(execute=True):
        act(approver, request, "approve")

    listing = admin.get("/admin/operations/accessrequest/?status=provisioning_failed").content.decode()
    assert request.pk in listing and "HTTP 403" in listing
    page = admin.get(f"/admin/operations/accessrequest/{request.pk}/change/").content.decode()
    assert "HTTP 403" in page and "transition/retry_provisioning/" in page and "transition/mark_manual/" in page
    assert scim_target.token not in page
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/admin/operations/accessrequest/{request.pk}/transition/retry_provisioning/")
    request.refresh_from_db()
    assert request.status == "provisioned"
    assert scim_target.member_names(catalog["group"]) == {"alice@acme.invalid"}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_grant_leaves_nothing_half_done_and_the_grant_completes(
        catalog, scim_target, approver, django_capture_on_commit_callbacks):
    import os
    import signal
    import subprocess
    import sys
    import time

    request = file_request(catalog)
    with django_capture_on_commit_callbacks(execute=False):
        act(approver, request, "approve")
    scim_target.delay = 1.0
    database = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
                                         f"{database['PORT'] or 5432}/{database['NAME']}"}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c",
         f"from apps.operations.provisioning import provisioning_run; provisioning_run({request.pk!r})"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any(method == "PATCH" for method, _ in scim_target.requests):  # the grant is in flight
        assert worker.poll() is None and time.monotonic() < deadline, "the worker never reached the target"
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()

    request.refresh_from_db()
    assert request.status == "provisioning" and request.granted_at is None  # nothing stamped
    assert "provisioning_succeeded" not in " ".join(events_of(request))
    scim_target.delay = 0
    # the lock died with the worker's connection: the next step (the sweep's, once the lease ends) finishes it
    retry_falls_due(request)
    assert provisioning_run(request.pk) == "granted"
    request.refresh_from_db()
    assert request.status == "provisioned" and request.provisioning_attempts == 1
    assert scim_target.member_names(catalog["group"]) == {"alice@acme.invalid"}


def test_the_sweep_takes_turns_across_tenants(db, django_capture_on_commit_callbacks):
    """A tenant with a backlog of due steps does not hold back another tenant's (the core consumer
    framework's fair pick): a sweep smaller than the backlog takes both tenants' share."""
    from django_tasks_db.models import DBTaskResult

    from apps.operations.choices import AccessStatus
    from tests.factories.core import TenantFactory
    from tests.factories.operations import AccessRequestFactory

    past = timezone.now() - timedelta(minutes=1)
    for tenant, n in (("acme", 12), ("globex", 3)):
        TenantFactory(id=tenant, name=tenant)
        AccessRequestFactory.create_batch(n, tenant_id=tenant, status=AccessStatus.APPROVED,
                                          provisioning_next_attempt_at=past)
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert provisioning_sweep(limit=6) == 6
    queued = [task.args_kwargs["args"][0] for task in DBTaskResult.objects.all()]
    tenants = sorted(AccessRequest.objects.get(pk=pk).tenant_id for pk in queued)
    assert tenants == ["acme"] * 3 + ["globex"] * 3
