"""My equipment: what the person has, what is on its way (with who moves it on), what they gave back;
never someone else's, never a request still waiting for approval (that is in My requests)."""
from django.utils import timezone

from apps.operations.models import Equipment

from .test_isolation import file_all


def test_my_equipment_groups_what_i_have_and_what_is_coming(client, world, as_user):
    laptop = file_all(world, "acme", "per_emp")["equipment"]
    screen = file_all(world, "acme", "per_emp")["equipment"]
    asked = file_all(world, "acme", "per_emp")["equipment"]
    theirs = file_all(world, "acme", "per_other")["equipment"]
    foreign = file_all(world, "globex", "per_gx")["equipment"]
    Equipment.objects.filter(pk=laptop.pk).update(status="delivered", delivered_at=timezone.now(), equipment_type="Laptop X1")
    Equipment.objects.filter(pk=screen.pk).update(status="ordered", equipment_type="Screen 27")
    as_user(world.employee)
    page = client.get("/portal/equipment/").content.decode()
    have, coming = page.split("On its way")
    assert "Laptop X1" in have and "Delivered" in have and "Screen 27" not in have
    assert "Screen 27" in coming and "Waiting for the delivery" in coming
    for hidden in (asked, theirs, foreign):
        assert hidden.pk not in page
