"""A business calendar's working hours are a line per weekday in the admin, not JSON; a bad span or
a week without working time is a form error and nothing changes."""
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.helpdesk.admin_hours import WeeklyHoursField
from apps.helpdesk.models import BusinessCalendar
from tests.admin.forms import form_as_posted
from tests.admin.seeding import USERS, seeded_module


def test_lines_become_the_calendars_json_and_back():
    field = WeeklyHoursField()
    lines = ["09:00-12:00, 13:00-17:00", "9:00 – 17:00", "", "", "08:30-24:00", "", ""]
    hours = field.clean(lines)
    assert hours == {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "tue": [["09:00", "17:00"]],
                     "fri": [["08:30", "24:00"]]}
    assert field.widget.decompress(hours) == ["09:00-12:00, 13:00-17:00", "09:00-17:00", "", "", "08:30-24:00", "", ""]
    for bad in (["9-5", "", "", "", "", "", ""], ["09:00", "", "", "", "", "", ""], ["x" * 201] + [""] * 6):
        with pytest.raises(ValidationError):
            field.clean(bad)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with seeded_module(django_db_blocker):
        yield


def test_the_admin_saves_a_week_and_refuses_a_bad_one(client, seeded, db):
    client.force_login(User.objects.get(username=USERS["admin"]))
    calendar = BusinessCalendar.objects.get(tenant_id="acme")
    url = reverse("admin:helpdesk_businesscalendar_change", args=[calendar.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="weekly-hours"' in page.content.decode()
    assert 'name="working_hours_0"' in page.content.decode() and "Saturday" in page.content.decode()
    data = form_as_posted(page)
    saved = client.post(url, {**data, "working_hours_5": "10:00-14:00"})
    assert saved.status_code == 302
    calendar.refresh_from_db()
    assert calendar.working_hours["sat"] == [["10:00", "14:00"]]
    before = calendar.working_hours
    for broken, why in [({"working_hours_0": "9 to 5"}, "not a span"),
                        ({f"working_hours_{i}": "" for i in range(7)}, "needs some working time"),
                        ({"working_hours_1": "25:00-26:00"}, "not a time")]:
        refused = client.post(url, {**data, **broken})
        assert refused.status_code == 200 and why in refused.content.decode(), why
        calendar.refresh_from_db()
        assert calendar.working_hours == before
