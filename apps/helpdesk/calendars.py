"""A tenant's BusinessCalendar row as a `business_hours.Calendar` (validated, cached)."""
from datetime import date, time
from functools import lru_cache

from django.utils import timezone

from .business_hours import Calendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY_YEARS_BACK, HOLIDAY_YEARS_AHEAD = 2, 5


class CalendarError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _clock(value, field: str) -> time:
    if value in ("24:00", "24:00:00"):
        return time(0)
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise CalendarError(field, f"{value!r} is not a time like 09:00.") from None


def weekly_hours(raw) -> dict[int, list[tuple[time, time]]]:
    if not isinstance(raw, dict) or set(raw) - set(WEEKDAYS):
        raise CalendarError("working_hours", f"Use an object keyed by {', '.join(WEEKDAYS)}.")
    hours = {}
    for day, spans in raw.items():
        if not isinstance(spans, list) or any(not isinstance(s, list) or len(s) != 2 for s in spans):
            raise CalendarError("working_hours", f"{day}: use a list of [start, end] pairs.")
        hours[WEEKDAYS.index(day)] = [(_clock(s, "working_hours"), _clock(e, "working_hours")) for s, e in spans]
    return hours


def closed_dates(raw) -> set[date]:
    if not isinstance(raw, list):
        raise CalendarError("closed_dates", "Use a list of dates like 2026-12-24.")
    try:
        return {date.fromisoformat(d) for d in raw}
    except (TypeError, ValueError):
        raise CalendarError("closed_dates", "Use a list of dates like 2026-12-24.") from None


def public_holidays(country: str, subdivision: str) -> set[date]:
    if not country:
        return set()
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        raise CalendarError("holiday_country", f"{country!r} is not a country the holidays package knows.")
    if subdivision and subdivision not in supported[country]:
        raise CalendarError("holiday_subdivision", f"{subdivision!r} is not a subdivision of {country}.")
    this_year = timezone.now().year
    years = range(this_year - HOLIDAY_YEARS_BACK, this_year + HOLIDAY_YEARS_AHEAD + 1)
    return set(holidays.country_holidays(country, subdiv=subdivision or None, years=years))


@lru_cache(maxsize=256)
def _cached(tz: str, hours_key: str, country: str, subdivision: str, closed_key: str) -> Calendar:
    import json

    closed = closed_dates(json.loads(closed_key)) | public_holidays(country, subdivision)
    try:
        calendar = Calendar(tz=tz, weekly_hours=weekly_hours(json.loads(hours_key)), closed_dates=frozenset(closed))
    except ValueError as exc:
        field = "time_zone" if "time zone" in str(exc) else "working_hours"
        raise CalendarError(field, str(exc)) from exc
    if not calendar.has_working_hours:
        raise CalendarError("working_hours", "A business calendar needs some working time.")
    return calendar


def build_calendar(row) -> Calendar:
    """The Calendar for a BusinessCalendar row; raises CalendarError on bad configuration."""
    import json

    return _cached(row.time_zone, json.dumps(row.working_hours, sort_keys=True), row.holiday_country.upper(),
                   row.holiday_subdivision.upper(), json.dumps(sorted(row.closed_dates or [], key=str)))
