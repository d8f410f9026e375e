"""The admin offers Delete only where the model's field policy lets this user delete the record in
its state: no button, a 403 delete page, a bulk delete that leaves the kept rows (the DB says so)."""
import pytest
from django.contrib.admin.utils import quote
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.core.principal import Principal
from apps.helpdesk.models import Ticket
from apps.helpdesk.services import ticket_create
from apps.policies.campaign_models import AcknowledgementCampaign
from tests.factories import StaffMembershipFactory
from tests.factories.policies import AcknowledgementCampaignFactory

pytestmark = pytest.mark.django_db
LIST = reverse("admin:helpdesk_ticket_changelist")


def staff(client, roles: list[str], username: str = "acme-agent"):
    membership = StaffMembershipFactory(tenant__id="acme", tenant__name="acme", user__username=username,
                                        person_id=f"per_{username}", roles=roles)
    client.force_login(membership.user)
    return membership


def ticket(title: str, status: str = "new") -> Ticket:
    obj = ticket_create(actor=Principal(person_id="per_member", tenant_id="acme"), data={"title": title})
    if status != "new":
        Ticket.objects.filter(pk=obj.pk).update(status=status)
        obj.refresh_from_db()
    return obj


def deleted(obj) -> bool:
    return type(obj).all_objects.get(pk=obj.pk).is_deleted


def url(obj, view: str) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[quote(obj.pk)])


def test_a_ticket_past_new_has_no_delete_for_an_agent(client):
    new, worked = ticket("new one"), ticket("being worked", "open")
    staff(client, ["agent"])
    assert url(new, "delete") in client.get(url(new, "change")).content.decode()
    page = client.get(url(worked, "change"))
    assert page.status_code == 200 and url(worked, "delete") not in page.content.decode()
    assert page.context["has_delete_permission"] is False
    assert client.get(url(worked, "delete")).status_code == 403
    assert client.post(url(worked, "delete"), {"post": "yes"}).status_code == 403
    assert not deleted(worked)
    assert client.post(url(new, "delete"), {"post": "yes"}).status_code == 302
    assert deleted(new)


def test_an_admin_may_delete_a_worked_ticket(client):
    worked = ticket("being worked", "open")
    staff(client, ["admin"], "acme-admin")
    assert client.get(url(worked, "delete")).status_code == 200
    client.post(url(worked, "delete"), {"post": "yes"})
    assert deleted(worked)


def test_a_launched_campaign_has_no_delete_even_for_an_admin(client):
    launched = AcknowledgementCampaignFactory(tenant_id="acme", launched=True)
    draft = AcknowledgementCampaignFactory(tenant_id="acme")
    staff(client, ["admin"], "acme-admin")
    assert client.get(url(launched, "delete")).status_code == 403
    assert url(launched, "delete") not in client.get(url(launched, "change")).content.decode()
    assert client.get(url(draft, "delete")).status_code == 200
    client.post(reverse("admin:policies_acknowledgementcampaign_changelist"),
                {"action": "delete_selected", "_selected_action": [launched.pk, draft.pk], "post": "yes"})
    assert not deleted(launched) and deleted(draft)
    assert AcknowledgementCampaign.objects.filter(pk=launched.pk).exists()


def test_bulk_delete_confirms_only_what_may_go_and_names_the_rest(client):
    new, worked, closed = ticket("new one"), ticket("being worked", "open"), ticket("done", "closed")
    staff(client, ["agent"])
    confirm = client.post(LIST, {"action": "delete_selected", "_selected_action": [new.pk, worked.pk, closed.pk]})
    assert confirm.status_code == 200
    assert list(confirm.context["queryset"]) == [new]  # the confirmation lists what will go, nothing else
    warning = [str(m) for m in get_messages(confirm.wsgi_request)]
    assert any(worked.number in m and closed.number in m and "may not delete" in m for m in warning), warning
    done = client.post(LIST, {"action": "delete_selected", "_selected_action": [new.pk, worked.pk, closed.pk],
                              "post": "yes"}, follow=True)
    assert done.status_code == 200
    assert "Successfully deleted 1 ticket" in done.content.decode()
    assert deleted(new) and not deleted(worked) and not deleted(closed)


def test_bulk_delete_of_only_kept_rows_deletes_nothing(client):
    worked = ticket("being worked", "open")
    staff(client, ["agent"])
    response = client.post(LIST, {"action": "delete_selected", "_selected_action": [worked.pk], "post": "yes"})
    assert response.status_code == 302
    assert not deleted(worked)


def test_the_service_still_refuses_when_the_admin_is_bypassed(client, rf):
    """The second line: delete_model goes through record_delete, which checks the policy itself."""
    from django.contrib import admin

    from apps.core.exceptions import Conflict

    worked = ticket("being worked", "open")
    membership = staff(client, ["agent"])
    request = rf.post("/")
    request.user = membership.user
    with pytest.raises(Conflict):
        admin.site._registry[Ticket].delete_model(request, worked)
    assert not deleted(worked)


def test_a_policy_with_a_launched_campaign_may_still_be_deleted(client):
    """The delete page lists the campaign under the policy, but a soft delete leaves it: only the
    policy's own deletability counts, and the kept campaign stays as it was."""
    launched = AcknowledgementCampaignFactory(tenant_id="acme", launched=True)
    policy = launched.policy
    staff(client, ["admin"], "acme-admin")
    page = client.get(url(policy, "delete"))
    assert page.status_code == 200 and not page.context["perms_lacking"]
    client.post(url(policy, "delete"), {"post": "yes"})
    assert deleted(policy) and not deleted(launched)
