"""A business calendar's working hours are a row per weekday in the admin (Closed, start and end times),
not JSON; an incomplete row, a span the calendar refuses or a week without working time is a form error
and nothing changes."""
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.helpdesk.admin_hours import SPANS, WeeklyHoursField

PARTS = 1 + 2 * SPANS  # the form's parts per day: closed, then start and end of each span
from apps.helpdesk.calendars import WEEKDAYS
from apps.helpdesk.models import BusinessCalendar
from tests.admin.forms import form_as_posted
from tests.admin.seeding import USERS, seeded_module


def week(**days) -> list:
    """The field's parts for a week: each day closed unless given as [(start, end), …]."""
    parts = []
    for day in WEEKDAYS:
        spans = days.get(day)
        times = [t for span in spans or [] for t in span]
        parts += [not spans, *times, *[None] * (2 * SPANS - len(times))]
    return parts


def test_rows_become_the_calendars_json_and_back():
    field = WeeklyHoursField()
    hours = field.clean(week(mon=[("09:00", "12:00"), ("13:00", "17:00")], tue=[("9:00", "17:00")],
                             fri=[("08:30", "00:00")]))
    assert hours == {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "tue": [["09:00", "17:00"]],
                     "fri": [["08:30", "24:00"]]}
    assert field.widget.decompress(hours)[:PARTS] == [False, "09:00", "12:00", "13:00", "17:00"]
    assert field.widget.decompress(hours)[4 * PARTS:5 * PARTS] == [False, "08:30", "00:00", None, None]
    assert field.widget.decompress(hours)[5 * PARTS] is True  # Saturday: closed
    for bad, why in [(week(mon=[("9", "17:00")]), "Monday: opens from: give a time"),
                     (week(mon=[("09:00", None)]), "Monday: give both"),
                     ([False] + [None] * (PARTS * 7 - 1), "Monday: give the working hours, or tick Closed")]:
        with pytest.raises(ValidationError, match=why):
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
    assert 'type="time"' in page.content.decode() and 'aria-label="Saturday: closed"' in page.content.decode()
    data = form_as_posted(page)
    sat = 5 * PARTS
    saved = client.post(url, {**data, f"working_hours_{sat}": "", f"working_hours_{sat + 1}": "10:00",
                              f"working_hours_{sat + 2}": "14:00"})
    assert saved.status_code == 302
    calendar.refresh_from_db()
    assert calendar.working_hours["sat"] == [["10:00", "14:00"]]
    before = calendar.working_hours
    all_closed = {f"working_hours_{d * PARTS}": "on" for d in range(7)}
    for broken, why in [({"working_hours_1": "9 to 5"}, "give a time like 09:00"),
                        (all_closed, "needs some working time"),
                        ({"working_hours_1": "17:00", "working_hours_2": "09:00"}, "crosses midnight"),
                        ({"working_hours_2": ""}, "give both the start and the end")]:
        refused = client.post(url, {**data, **broken})
        assert refused.status_code == 200 and why in refused.content.decode(), why
        calendar.refresh_from_db()
        assert calendar.working_hours == before


def test_an_agent_reads_the_week_as_words(client, seeded, db):
    client.force_login(User.objects.get(username=USERS["agent"]))
    calendar = BusinessCalendar.objects.get(tenant_id="acme")
    page = client.get(reverse("admin:helpdesk_businesscalendar_change", args=[calendar.pk])).content.decode()
    assert "Monday: 09:00–17:00<br>" in page and "Sunday: closed" in page and "[[" not in page


def test_a_day_stored_with_more_spans_than_the_form_shows_keeps_them_all_on_save(client, seeded, db):
    # Calendars written before the weekday rows could hold three spans a day: the form grows to show them.
    client.force_login(User.objects.get(username=USERS["admin"]))
    calendar = BusinessCalendar.objects.get(tenant_id="acme")
    before = calendar.working_hours
    BusinessCalendar.objects.filter(pk=calendar.pk).update(working_hours={
        **before, "mon": [["08:00", "10:00"], ["11:00", "13:00"], ["14:00", "18:00"]]})
    url = reverse("admin:helpdesk_businesscalendar_change", args=[calendar.pk])
    try:
        page = client.get(url)
        assert 'aria-label="Monday: span 3 from"' in page.content.decode()
        saved = client.post(url, form_as_posted(page))
        assert saved.status_code == 302
        calendar.refresh_from_db()
        assert calendar.working_hours["mon"] == [["08:00", "10:00"], ["11:00", "13:00"], ["14:00", "18:00"]]
    finally:
        BusinessCalendar.objects.filter(pk=calendar.pk).update(working_hours=before)
