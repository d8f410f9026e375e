"""Records and people read as words: every record's title is made of its data; person fields show
the person's name and e-mail in lists, read-only fields, history and messages; the admin's search
finds a record by the name of a person it names; e-mails name who acted."""
from datetime import datetime, timezone as tz

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from apps.core.models import TenantModel
from apps.core.principal import Principal
from apps.operations.models import AccessRequest, Equipment, Travel
from apps.operations.services import access_request_create
from tests.factories import FACTORIES, PersonFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db
ADA = "per_ada"


@pytest.fixture
def ada(db):
    return PersonFactory(tenant_id="acme", id=ADA, given_name="Ada", family_name="Lovelace",
                         display_name="Ada Lovelace", email="ada@acme.example", user_name="ada")


def staff(username: str, roles: list[str], **names) -> User:
    return StaffMembershipFactory(tenant__id="acme", tenant__name="Acme", user__username=username,
                                  user__password="pw-123456", person_id=f"per_{username}", roles=roles,
                                  **{f"user__{k}": v for k, v in names.items()}).user


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("model", sorted((m for m in FACTORIES if issubclass(m, TenantModel)),
                                         key=lambda m: m._meta.label), ids=lambda m: m._meta.label)
def test_every_record_has_a_title_made_of_its_data_not_its_id(model):
    obj = FACTORIES[model]()
    obj.refresh_from_db()
    title = str(obj)
    assert title.strip() and obj.pk not in title
    assert "per_" not in title  # a person in a title reads as their name


def test_titles_read_as_what_the_record_is_and_whose(ada):
    trip = Travel(tenant_id="acme", requester_id=ADA, destination="Berlin", purpose="Workshop",
                  departure_at=datetime(2026, 12, 1, 9, tzinfo=tz.utc), return_at=datetime(2026, 12, 4, 18, tzinfo=tz.utc))
    assert str(trip) == "Berlin, 1–4 Dec — Ada Lovelace"
    laptop = Equipment(tenant_id="acme", requester_id=ADA, equipment_type="Laptop 14in", specification="32 GB")
    assert str(laptop) == "Laptop 14in for Ada Lovelace"
    access = AccessRequest(tenant_id="acme", requester_id=ADA, system_id="GitHub", access_type="new",
                           entitlement_type="write", justification="Releases")
    assert str(access) == "GitHub · write — Ada Lovelace"


def test_lists_show_people_by_name_and_search_finds_them_by_name(client, ada):
    client.force_login(staff("approver", ["approver"]))
    member = Principal(person_id=ADA, tenant_id="acme")
    mine = access_request_create(actor=member, data={"system_id": "github", "access_type": "new",
                                                     "entitlement_type": "write", "justification": "Releases"})
    other = access_request_create(actor=Principal(person_id="per_bob", tenant_id="acme"), data={
        "system_id": "aws", "access_type": "new", "entitlement_type": "read", "justification": "Billing"})
    page = client.get(reverse("admin:operations_accessrequest_changelist"))
    html = page.content.decode()
    assert "Ada Lovelace &lt;ada@acme.example&gt;" in html
    assert ">per_ada<" not in html and "field-id" not in html and "field-requester_id\"" not in html  # no id column
    found = client.get(reverse("admin:operations_accessrequest_changelist"), {"q": "Lovelace"})
    assert [r.pk for r in found.context["cl"].result_list] == [mine.pk]
    assert other.pk not in [r.pk for r in found.context["cl"].result_list]


def test_a_change_page_is_titled_by_the_record_and_a_frozen_person_reads_as_a_name(client, ada):
    client.force_login(staff("approver", ["approver"], first_name="Grace", last_name="Hopper"))
    access = access_request_create(actor=Principal(person_id=ADA, tenant_id="acme"), data={
        "system_id": "github", "access_type": "new", "entitlement_type": "write", "justification": "Releases"})
    page = client.get(change_url(access))
    html = page.content.decode()
    assert "Github · write — Ada Lovelace | Change access request" in " ".join(html.split())
    assert "Ada Lovelace &lt;ada@acme.example&gt;" in html  # the requester, read-only for an approver


def test_messages_and_history_name_the_record_and_the_person(client, ada):
    client.force_login(staff("approver", ["approver"], first_name="Grace", last_name="Hopper",
                             email="grace@acme.example"))
    access = access_request_create(actor=Principal(person_id=ADA, tenant_id="acme"), data={
        "system_id": "github", "access_type": "new", "entitlement_type": "write", "justification": "Releases"})
    done = client.post(reverse("admin:operations_accessrequest_transition", args=[access.pk, "approve"]), follow=True)
    assert "Github · write — Ada Lovelace: approve done." in [str(m) for m in done.context["messages"]]
    history = client.get(reverse("admin:operations_accessrequest_history", args=[access.pk])).content.decode()
    assert "Grace Hopper &lt;grace@acme.example&gt;" in history and "Ada Lovelace &lt;ada@acme.example&gt;" in history
    assert "per_approver" not in history and "per_ada" not in history


def test_a_delegation_email_names_who_delegated(ada):
    from apps.approvals.models import ApprovalStep
    from apps.approvals.services import approval_step_delegate
    from apps.core.models import Event
    from apps.notifications.content import context_for, render
    from apps.notifications.models import Notification
    from apps.notifications.registry import RULES
    from tests.factories import ApprovalChainFactory

    staff("approver", ["approver"], first_name="Grace", last_name="Hopper", email="grace@acme.example")
    staff("second", ["approver"], first_name="Sam", last_name="Second", email="sam@acme.example")
    PersonFactory(tenant_id="acme", id="per_second", display_name="Sam Second", user_name="sam")
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_approver"])
    access = access_request_create(actor=Principal(person_id=ADA, tenant_id="acme"), data={
        "system_id": "github", "access_type": "new", "entitlement_type": "write", "justification": "Releases"})
    step = ApprovalStep.objects.get(approval_request__entity_id=access.pk)
    approval_step_delegate(actor=Principal(person_id="per_approver", tenant_id="acme", roles=frozenset({"approver"})),
                           approval_step=step, delegated_to_id="per_second")
    event = Event.objects.filter(type="approvals.step.delegated").latest("id")
    rule = RULES["approvals.step.delegated"]
    notification = Notification(tenant_id="acme", recipient_id="per_second", kind=rule.kind, id="ntf_test")
    subject, text, html = render(rule.template, context_for(event=event, rule=rule, notification=notification,
                                                            name="Sam"))
    assert "Grace Hopper" in text and "Grace Hopper" in html
    assert "per_approver" not in text and "per_approver" not in html


def test_the_outbox_and_notification_logs_name_people(client, ada):
    client.force_login(staff("boss", ["admin"]))
    access_request_create(actor=Principal(person_id=ADA, tenant_id="acme"), data={
        "system_id": "github", "access_type": "new", "entitlement_type": "write", "justification": "Releases"})
    html = client.get(reverse("admin:core_event_changelist")).content.decode()
    assert "Ada Lovelace &lt;ada@acme.example&gt;" in html and ">per_ada<" not in html
    assert client.get(reverse("admin:notifications_notification_changelist")).status_code == 200
