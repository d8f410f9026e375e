"""Where a notification goes: the person's directory entry first, the staff user's email otherwise."""
import pytest

from apps.directory.services import person_create, person_deactivate
from apps.core.models import Tenant
from apps.core.principal import Principal
from apps.notifications.recipients import Address, addresses
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db
ADMIN = Principal(person_id="per_root", tenant_id="acme", roles=frozenset({"admin"}), source_type="system")


def staff(person_id: str, email: str) -> None:
    StaffMembershipFactory(tenant=Tenant.objects.get(pk="acme"), user__username=person_id, user__email=email,
                           user__first_name="Staff", user__last_name=person_id, user__is_staff=False,
                           person_id=person_id, roles=[])


def test_the_directory_entry_wins_and_a_person_who_left_hears_nothing():
    Tenant.objects.create(id="acme", name="Acme")
    staff("per_ann", "ann.old@acme.example")
    staff("per_bob", "bob@acme.example")
    staff("per_cy", "cy@acme.example")
    person_create(actor=ADMIN, data={"user_name": "ann", "display_name": "Ann Lee", "email": "ann@acme.example"},
                  person_id="per_ann")
    gone = person_create(actor=ADMIN, data={"user_name": "cy", "display_name": "Cy", "email": "cy@acme.example"},
                         person_id="per_cy")
    person_deactivate(actor=ADMIN, obj=gone)
    assert addresses("acme", ["per_ann", "per_bob", "per_cy", "per_nobody", None]) == {
        "per_ann": Address(email="ann@acme.example", name="Ann Lee"),  # the directory, not the old staff email
        "per_bob": Address(email="bob@acme.example", name="Staff per_bob"),  # no entry: the staff user
    }
    assert addresses("globex", ["per_ann"]) == {}


def test_a_directory_entry_without_an_address_falls_back_to_the_staff_user():
    """After an upgrade to the directory, entries made before it is filled have no address: mail
    to those people goes to their staff email as before, rather than being skipped."""
    Tenant.objects.create(id="acme", name="Acme")
    staff("per_dee", "dee@acme.example")
    person_create(actor=ADMIN, data={"user_name": "dee", "display_name": "Dee"}, person_id="per_dee")
    assert addresses("acme", ["per_dee"]) == {"per_dee": Address(email="dee@acme.example", name="Staff per_dee")}


def test_events_from_before_the_directory_are_mailed_to_the_staff_addresses(smtp, team):
    """An upgrade from a release without the directory: tickets assigned before it, then the first
    notification pass while the directory holds address-less entries (or none): the mail goes out to
    the staff users' addresses, nothing is skipped."""
    from apps.helpdesk.services import ticket_create
    from apps.notifications.choices import NotificationStatus as S
    from apps.notifications.engine import run_pass
    from apps.notifications.models import Notification

    boss = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))
    ticket_create(actor=boss, data={"title": "Printer", "assigned_to_id": "per_agent"})
    run_pass()  # no directory entry at all
    person_create(actor=ADMIN, data={"user_name": "agent", "display_name": "Agent"}, person_id="per_agent")
    ticket_create(actor=boss, data={"title": "VPN", "assigned_to_id": "per_agent"})
    run_pass()  # an entry without an address
    rows = Notification.objects.filter(recipient_id="per_agent")
    assert [(row.status, row.recipient_email) for row in rows] == [(S.SENT, "agent@acme.test")] * 2
    assert [m.rcpt_tos for m in smtp.messages] == [["agent@acme.test"]] * 2
