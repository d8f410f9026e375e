"""The notification preferences page in the portal: the person's own choices, saved as the
e-mailed preferences link saves them; mandatory kinds stay on; a forged kind is ignored."""
from apps.notifications.engine import preferences
from apps.notifications.models import Preference


def test_a_person_turns_kinds_off_and_chooses_the_digest(client, world, as_user):
    as_user(world.employee)
    page = client.get("/portal/notifications/").content.decode()
    assert "Progress of your requests" in page and 'name="kinds" value="approval_requested" checked disabled' in page
    response = client.post("/portal/notifications/", {"kinds": ["request_update", "no_such_kind"], "digest": "on"},
                           follow=True)
    assert "Your notification preferences are saved." in response.content.decode()
    pref = Preference.objects.get()
    assert (pref.tenant_id, pref.person_id, pref.digest) == ("acme", "per_emp", True)
    assert "access_expiring" in pref.disabled_kinds and "ticket_update" in pref.disabled_kinds
    assert "request_update" not in pref.disabled_kinds
    assert "approval_requested" not in pref.disabled_kinds and "no_such_kind" not in pref.disabled_kinds
    assert preferences("acme", ["per_emp"])["per_emp"].digest  # what the notification engine reads
    page = client.get("/portal/notifications/").content.decode()
    assert 'value="request_update" checked' in page and 'value="access_expiring">' in page


def test_each_person_saves_only_their_own_preferences(client, world, as_user):
    as_user(world.foreign)
    client.post("/portal/notifications/", {"kinds": [], "person_id": "per_emp", "tenant_id": "acme"})
    assert list(Preference.objects.values_list("tenant_id", "person_id")) == [("globex", "per_gx")]


def test_an_employee_is_not_offered_staff_work_and_saving_keeps_its_state(client, world, as_user):
    Preference.objects.create(tenant_id="acme", person_id="per_emp", disabled_kinds=["ticket_assigned"])
    as_user(world.employee)  # no staff role
    page = client.get("/portal/notifications/").content.decode()
    assert "Progress of your requests" in page
    for staff_kind in ("ticket_assigned", "sla_warning", "webhook_paused", "connector_failing"):
        assert f'value="{staff_kind}"' not in page
    client.post("/portal/notifications/", {"kinds": ["request_update"]})
    disabled = set(Preference.objects.get(person_id="per_emp").disabled_kinds)
    assert "ticket_assigned" in disabled  # kept as it was, though not offered
    assert "sla_warning" not in disabled and "connector_credentials" not in disabled  # not offered: untouched
    assert "access_expiring" in disabled  # offered and left unticked
