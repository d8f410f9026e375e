"""A tenant may require a fresh sign-in for approval decisions (every decision, until a catalog gives
items a risk): a one-click link then decides nothing, an old token or session is refused, a fresh
one decides. Asserted in the database."""
import time

import pytest
from rest_framework.test import APIClient

from apps.approvals.choices import StepStatus
from apps.core.admin_scope import SIGNED_IN_AT
from apps.notifications.engine import run_pass
from tests.conftest import make_token
from tests.factories import DirectorySettingsFactory
from tests.notifications.conftest import path_of, step_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_required(team):
    return DirectorySettingsFactory(tenant_id="acme", fresh_signin_minutes=10)


def approve_by_api(step, *, signed_in_ago: int) -> int:
    client = APIClient()
    token = make_token(sub="per_ann", roles=["approver"], iat=int(time.time()) - signed_in_ago)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.post(f"/api/v1/approvals/steps/{step.pk}/approve", {"comment": "ok"}, format="json").status_code


def test_a_link_decides_nothing_and_an_old_token_is_refused(client, smtp, access, fresh_required):
    run_pass()
    [url] = smtp.to("ann@acme.test")[0].links("decide")
    page = client.post(path_of(url), {"decision": "approve"})
    assert page.status_code == 403 and b"sign in again" in page.content
    assert step_of(access).status == StepStatus.PENDING
    assert approve_by_api(step_of(access), signed_in_ago=3600) == 403
    assert step_of(access).status == StepStatus.PENDING
    assert approve_by_api(step_of(access), signed_in_ago=5) == 200
    assert step_of(access).status == StepStatus.APPROVED


def test_an_admin_session_signed_in_long_ago_is_refused(client, access, fresh_required):
    from django.contrib.auth.models import User
    from django.urls import reverse

    client.force_login(User.objects.get(username="ann"))
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 3600
    session.save()
    step = step_of(access)
    url = reverse("admin:approvals_approvalstep_changelist") + f"{step.pk}/transition/approve/"
    response = client.post(url, {"comment": "ok"}, follow=True)
    assert step_of(access).status == StepStatus.PENDING
    assert any("sign in again" in str(m) for m in response.context["messages"])
    client.force_login(User.objects.get(username="ann"))  # signs in again: fresh
    response = client.post(url, {"comment": "ok"}, follow=True)
    assert step_of(access).status == StepStatus.APPROVED, [str(m) for m in response.context["messages"]]


def test_without_the_setting_links_decide_as_before(client, smtp, access):
    run_pass()
    [url] = smtp.to("ann@acme.test")[0].links("decide")
    assert client.post(path_of(url), {"decision": "approve"}).status_code == 200
