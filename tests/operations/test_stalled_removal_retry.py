"""A removal (expiry, revoke) or a renewal the target kept refusing until its automatic retries ran out:
IT starts it again (`retry_connector_work`, in the API and as the admin's button), against the real SCIM
server; before the retries are used up, and for anyone but IT, it is refused."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.core.models import Event, Tenant
from apps.operations.models import AccessRequest
from tests.factories import StaffMembershipFactory
from tests.operations.test_provisioning import (  # noqa: F401  (fixtures)
    BASE, _granted, act, approver, catalog, immediate_tasks, it,
)

pytestmark = pytest.mark.django_db


def stalled_removal(catalog, scim_target, approver, capture, settings) -> AccessRequest:
    settings.PROVISIONING_MAX_ATTEMPTS = 1
    request = _granted(catalog, approver, capture, expires_at=timezone.now() + timedelta(hours=1))
    AccessRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    scim_target.fail_next(503)
    with capture(execute=True):
        call_command("expire_access", stdout=StringIO())
    request.refresh_from_db()
    assert request.status == "provisioned" and "HTTP 503" in request.provisioning_error
    assert request.provisioning_next_attempt_at is None  # retries used up: IT decides
    return request


def test_it_retries_a_removal_that_used_up_its_retries_over_the_api(catalog, scim_target, approver, it, caller,
                                                                    immediate_tasks, settings,
                                                                    django_capture_on_commit_callbacks):
    request = stalled_removal(catalog, scim_target, approver, django_capture_on_commit_callbacks, settings)
    assert scim_target.member_names(catalog["group"]) == {"alice@acme.invalid"}
    shown = it.get(f"{BASE}/{request.pk}").json()
    assert shown["status"] == "provisioned" and "HTTP 503" in shown["provisioning_error"]
    member = caller("acme", "per_alice")
    assert member.post(f"{BASE}/{request.pk}/retry_connector_work", {}, format="json").status_code in (403, 404)

    with django_capture_on_commit_callbacks(execute=True):
        body = act(it, request, "retry_connector_work")
    request.refresh_from_db()
    assert request.status == "completed" and request.provisioning_error == ""
    assert scim_target.member_names(catalog["group"]) == set()
    assert body["status"] in ("provisioned", "completed")
    types = list(Event.objects.filter(entity_id=request.pk).order_by("id").values_list("type", flat=True))
    assert types[-2:] == ["operations.access_request.connector_work_retried", "operations.access_request.revoked"]


def test_a_removal_with_retries_left_or_a_settled_grant_is_not_retried_by_hand(catalog, scim_target, approver, it,
                                                                               immediate_tasks,
                                                                               django_capture_on_commit_callbacks):
    grant = _granted(catalog, approver, django_capture_on_commit_callbacks)
    act(it, grant, "retry_connector_work", status=409)  # nothing owed to the target
    AccessRequest.objects.filter(pk=grant.pk).update(
        provisioning_op="revoke", provisioning_error="HTTP 503", provisioning_next_attempt_at=timezone.now())
    act(it, grant, "retry_connector_work", status=409)  # its automatic retry is still to come
    grant.refresh_from_db()
    assert grant.status == "provisioned" and grant.provisioning_op == "revoke"


def test_the_admin_offers_the_retry_and_runs_it(catalog, scim_target, approver, immediate_tasks, settings,
                                                django_capture_on_commit_callbacks):
    request = stalled_removal(catalog, scim_target, approver, django_capture_on_commit_callbacks, settings)
    Tenant.objects.get_or_create(id="acme", defaults={"name": "Acme"})
    admin = Client()
    admin.force_login(StaffMembershipFactory(user__username="per_it", person_id="per_it", roles=["it"]).user)
    page = admin.get(f"/admin/operations/accessrequest/{request.pk}/change/").content.decode()
    assert "HTTP 503" in page and "transition/retry_connector_work/" in page
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/admin/operations/accessrequest/{request.pk}/transition/retry_connector_work/")
    request.refresh_from_db()
    assert request.status == "completed"
    assert scim_target.member_names(catalog["group"]) == set()
