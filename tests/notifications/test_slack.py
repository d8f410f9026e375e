"""Optional Slack: the tenant's incoming webhook (URL in the secret store, never in a column or on a
page) gets `{"text": ...}` for the kinds the tenant chose, once per event, retried like mail."""
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.principal import Principal
from apps.integration.models import StoredSecret
from apps.integration.secret_store import secret_store
from apps.notifications.choices import Channel, NotificationStatus
from apps.notifications.engine import run_pass, send_due
from apps.notifications.models import Notification, SlackSettings
from apps.notifications.services import slack_settings_create
from tests.integration.conftest import receiver  # noqa: F401  (a real HTTP receiver on 127.0.0.1)

pytestmark = pytest.mark.django_db
BOSS = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))
ADD = "/admin/notifications/slacksettings/add/"


@pytest.fixture
def private_targets(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on 127.0.0.1; production refuses it


def configure(url, kinds=("approval_requested",)):
    return slack_settings_create(actor=BOSS, data={"enabled": True, "kinds": list(kinds), "webhook_url": url})


def columns_mention(url: str) -> list[str]:
    """Every text column of the Slack settings tables (and their history) that holds the URL."""
    found = []
    with connection.cursor() as cursor:
        for table in ("notifications_slacksettings", "notifications_historicalslacksettings"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (our table names)
            found += [str(v) for row in cursor.fetchall() for v in row if url in str(v)]
    return found


def test_the_admin_stores_the_url_in_the_secret_store_and_never_shows_it(client, team, receiver, private_targets):
    client.force_login(team["boss"])
    page = client.post(ADD, {"enabled": "on", "kinds": ["approval_requested", "sla_breach"],
                             "webhook_url": receiver.url})
    assert page.status_code == 302, page.content[:2000]
    row = SlackSettings.objects.get(tenant_id="acme")
    assert row.kinds == ["approval_requested", "sla_breach"] and row.secret_path == f"tenants/acme/slack/{row.pk}/webhook"
    assert secret_store().get(row.secret_path) == {"url": receiver.url}
    assert columns_mention(receiver.url) == []
    assert receiver.url.encode() not in bytes(StoredSecret.objects.get(path=row.secret_path).ciphertext)
    change = client.get(f"/admin/notifications/slacksettings/{row.pk}/change/")
    assert change.status_code == 200 and receiver.url.encode() not in change.content
    assert b"stored in the secret store" in change.content

    # saved again without a URL: the stored one stays
    kept = client.post(f"/admin/notifications/slacksettings/{row.pk}/change/", {"enabled": "on", "kinds": ["sla_breach"]})
    assert kept.status_code == 302
    assert secret_store().get(row.secret_path) == {"url": receiver.url}
    assert SlackSettings.objects.get().kinds == ["sla_breach"]


def test_only_tenant_admins_reach_the_slack_settings(client, team):
    client.force_login(team["ann"])  # an approver
    assert client.get(ADD).status_code == 403
    other = SlackSettings.objects.create(tenant_id="globex", kinds=["approval_requested"])
    client.force_login(team["boss"])
    assert client.get(f"/admin/notifications/slacksettings/{other.pk}/change/").status_code == 404


def test_a_loopback_url_is_refused_where_private_targets_are(client, team, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    client.force_login(team["boss"])
    page = client.post(ADD, {"enabled": "on", "kinds": ["approval_requested"], "webhook_url": "http://127.0.0.1:9/x"})
    assert page.status_code == 200 and b"loopback" in page.content
    assert not SlackSettings.objects.exists()


def test_an_enabled_kind_posts_once_per_event_besides_the_mail(smtp, access, receiver, private_targets):
    configure(receiver.url)
    counts = run_pass()
    assert counts["sent"] == 2  # ann's mail and the Slack message
    [request] = receiver.requests
    assert request["headers"]["content-type"] == "application/json"
    text = json.loads(request["body"])["text"]
    assert text.startswith("[Acme Corp] Approval needed: Access request") and "/admin/approvals/" in text
    assert "/notifications/decide/" not in text and "unsubscribe" not in text  # no link acts for a person
    assert [m.rcpt_tos for m in smtp.messages] == [["ann@acme.test"]]
    row = Notification.objects.get(channel=Channel.SLACK)
    assert (row.status, row.kind, row.recipient_id) == (NotificationStatus.SENT, "approval_requested", "slack:channel")
    assert run_pass()["sent"] == 0 and len(receiver.requests) == 1


def test_kinds_not_chosen_and_disabled_settings_post_nothing(smtp, access, receiver, private_targets):
    configure(receiver.url, kinds=("sla_breach",))
    run_pass()
    assert receiver.requests == [] and not Notification.objects.filter(channel=Channel.SLACK).exists()


def test_a_failing_webhook_is_retried_with_backoff_and_a_refusal_is_final(smtp, access, receiver, private_targets):
    configure(receiver.url)
    receiver.script = [503]
    run_pass()
    row = Notification.objects.get(channel=Channel.SLACK)
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 1) and "HTTP 503" in row.last_error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=10)
    assert send_due()["sent"] == 0  # not due yet
    assert send_due(now=row.next_attempt_at + timedelta(seconds=1))["sent"] == 1
    assert len(receiver.requests) == 2 and Notification.objects.get(pk=row.pk).status == NotificationStatus.SENT


def test_a_revoked_webhook_fails_at_once(smtp, access, receiver, private_targets):
    configure(receiver.url)
    receiver.script = [404]
    run_pass()
    row = Notification.objects.get(channel=Channel.SLACK)
    assert (row.status, row.attempts) == (NotificationStatus.FAILED, 1)
    assert len(receiver.requests) == 1


def test_at_send_time_a_loopback_url_is_refused_in_production(smtp, access, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    configure(receiver.url)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    run_pass()
    row = Notification.objects.get(channel=Channel.SLACK)
    assert row.status == NotificationStatus.FAILED and "ssrf_refused" in row.last_error
    assert receiver.requests == []
