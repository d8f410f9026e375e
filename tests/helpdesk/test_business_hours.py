"""Business-hours calculator: worked examples plus property tests against a brute force.

Pure Python (no Django): run with ``pytest -p no:django tests/helpdesk/test_business_hours.py``.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from itertools import accumulate
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.helpdesk.business_hours import (
    Calendar,
    add_business_minutes,
    business_minutes_between,
    due_at_with_pauses,
    elapsed_business_minutes,
    working_intervals,
)

UTC = timezone.utc
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
NINE_TO_FIVE = ((time(9), time(17)),)


def local(zone: ZoneInfo | str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone) if isinstance(zone, str) else zone)


def weekdays_9_17(tz: str, *, closed=(), days=range(5)) -> Calendar:
    return Calendar(tz=tz, weekly_hours={d: NINE_TO_FIVE for d in days}, closed_dates=frozenset(closed))


def add(cal: Calendar, start: datetime, minutes: float) -> datetime:
    return add_business_minutes(calendar=cal, start=start, minutes=minutes)


def between(cal: Calendar, start: datetime, end: datetime) -> float:
    return business_minutes_between(calendar=cal, start=start, end=end)


# --------------------------------------------------------------------------- examples


def test_friday_afternoon_rolls_over_the_weekend():
    cal = weekdays_9_17("Europe/Berlin")
    assert add(cal, local(BERLIN, 2024, 6, 14, 16, 30), 60) == local(BERLIN, 2024, 6, 17, 9, 30)
    assert between(cal, local(BERLIN, 2024, 6, 14, 16, 30), local(BERLIN, 2024, 6, 17, 9, 30)) == 60


def test_work_finishing_at_closing_time_is_due_at_closing_time_not_next_morning():
    cal = weekdays_9_17("Europe/Berlin")
    assert add(cal, local(BERLIN, 2024, 6, 14, 16), 60) == local(BERLIN, 2024, 6, 14, 17)


def test_weekend_and_night_starts_snap_to_next_opening():
    cal = weekdays_9_17("America/New_York")
    assert add(cal, local(NEW_YORK, 2024, 6, 15, 11), 30) == local(NEW_YORK, 2024, 6, 17, 9, 30)  # Saturday
    assert add(cal, local(NEW_YORK, 2024, 6, 18, 2), 30) == local(NEW_YORK, 2024, 6, 18, 9, 30)  # night
    assert add(cal, local(NEW_YORK, 2024, 6, 18, 20), 30) == local(NEW_YORK, 2024, 6, 19, 9, 30)  # evening
    assert between(cal, local(NEW_YORK, 2024, 6, 14, 17), local(NEW_YORK, 2024, 6, 17, 9)) == 0
    assert between(cal, local(NEW_YORK, 2024, 6, 17, 0), local(NEW_YORK, 2024, 6, 24, 0)) == 5 * 480


def test_zero_minutes_returns_start_without_snapping():
    cal = weekdays_9_17("Europe/Berlin")
    saturday_night = local(BERLIN, 2024, 6, 15, 23, 17)
    assert add(cal, saturday_night, 0) == saturday_night
    assert add(Calendar(tz="UTC", weekly_hours={}), saturday_night, 0) == saturday_night


def test_german_public_holiday_is_skipped():
    cal = Calendar.standard(tz="Europe/Berlin", country="DE", years=[2024])
    # Wednesday 2 Oct 16:30 + 60 min: Thursday 3 Oct is Tag der Deutschen Einheit.
    assert add(cal, local(BERLIN, 2024, 10, 2, 16, 30), 60) == local(BERLIN, 2024, 10, 4, 9, 30)
    # Bavaria also closes on All Saints' Day (Fri 1 Nov 2024); Berlin does not.
    bavaria = Calendar.standard(tz="Europe/Berlin", country="DE", subdivision="BY", years=[2024])
    assert add(bavaria, local(BERLIN, 2024, 10, 31, 16), 120) == local(BERLIN, 2024, 11, 4, 10)
    assert add(cal, local(BERLIN, 2024, 10, 31, 16), 120) == local(BERLIN, 2024, 11, 1, 10)


def test_us_holidays_including_observed_days_are_skipped():
    cal = Calendar.standard(tz="America/New_York", country="US", years=[2024, 2026])
    # Thanksgiving, Thursday 28 Nov 2024.
    assert add(cal, local(NEW_YORK, 2024, 11, 27, 16), 120) == local(NEW_YORK, 2024, 11, 29, 10)
    # 4 July 2026 is a Saturday, observed on Friday 3 July.
    assert add(cal, local(NEW_YORK, 2026, 7, 2, 16), 120) == local(NEW_YORK, 2026, 7, 6, 10)


def test_extra_closed_days():
    cal = Calendar.standard(tz="Europe/Berlin", extra_closed=[date(2024, 6, 17), date(2024, 6, 18)])
    assert cal.closed_dates == {date(2024, 6, 17), date(2024, 6, 18)}
    assert add(cal, local(BERLIN, 2024, 6, 14, 16, 30), 60) == local(BERLIN, 2024, 6, 19, 9, 30)
    assert between(cal, local(BERLIN, 2024, 6, 10), local(BERLIN, 2024, 6, 24)) == 8 * 480


@pytest.mark.parametrize(
    ("zone", "spring", "autumn", "fold_hour"),
    [
        ("Europe/Berlin", date(2024, 3, 31), date(2024, 10, 27), 2),  # 02-03 skipped / 02-03 twice
        ("America/New_York", date(2024, 3, 10), date(2024, 11, 3), 1),  # 02-03 skipped / 01-02 twice
    ],
)
def test_dst_change_days(zone, spring, autumn, fold_hour):
    tz = ZoneInfo(zone)
    nine_to_five_daily = weekdays_9_17(zone, days=range(7))
    whole_day = Calendar(tz=zone, weekly_hours={6: ((time(0), time(0)),)})
    night = Calendar(tz=zone, weekly_hours={6: ((time(1), time(4)),)})
    for day, hours in ((spring, 23), (autumn, 25)):
        start = datetime.combine(day, time(), tz)
        end = datetime.combine(day + timedelta(days=1), time(), tz)
        assert between(nine_to_five_daily, start, end) == 480  # the switch is outside 09-17
        assert between(whole_day, start, end) == hours * 60
        assert between(night, start, end) == (hours - 21) * 60  # 01-04 loses / gains an hour
        assert add(whole_day, start, hours * 60) == end

    # 02:30 does not exist on the spring day: work starts when the clock jumps to 03:00.
    starts_in_gap = Calendar(tz=zone, weekly_hours={6: ((time(2, 30), time(4)),)})
    jump = datetime.combine(spring, time(3), tz).astimezone(UTC)
    assert list(working_intervals(calendar=starts_in_gap, start=jump - 5 * HOUR, end=jump + 5 * HOUR)) == [
        (jump, jump + HOUR)
    ]
    # hh:30 inside the fold happens twice on the autumn day: work starts at the first one (fold=0).
    starts_in_fold = Calendar(tz=zone, weekly_hours={6: ((time(fold_hour, 30), time(fold_hour + 2)),)})
    first = datetime.combine(autumn, time(fold_hour, 30), tz).astimezone(UTC)  # fold=0
    assert first.astimezone(tz).fold == 0 and (first + HOUR).astimezone(tz).time() == time(fold_hour, 30)
    assert add(starts_in_fold, first - 3 * HOUR, 1) == first + MIN
    assert add(starts_in_fold, first - 3 * HOUR, 150) == datetime.combine(autumn, time(fold_hour + 2), tz)
    assert between(starts_in_fold, first - 3 * HOUR, first + 9 * HOUR) == 150


def test_weekday_sla_spanning_a_dst_weekend():
    cal = weekdays_9_17("Europe/Berlin")
    # Fri 29 Mar 2024 16:00 CET + 2h -> Mon 1 Apr 10:00 CEST (08:00 UTC, not 09:00 UTC).
    due = add(cal, local(BERLIN, 2024, 3, 29, 16), 120)
    assert due == datetime(2024, 4, 1, 8, tzinfo=UTC)
    assert between(cal, local(BERLIN, 2024, 3, 25), local(BERLIN, 2024, 4, 6)) == 10 * 480
    us = weekdays_9_17("America/New_York")
    assert add(us, local(NEW_YORK, 2024, 11, 1, 16), 120) == datetime(2024, 11, 4, 15, tzinfo=UTC)


def test_zones_far_from_utc():
    kolkata = weekdays_9_17("Asia/Kolkata")
    # Monday 09:00 IST is 03:30 UTC.
    assert add(kolkata, datetime(2024, 6, 17, 0, tzinfo=UTC), 1) == datetime(2024, 6, 17, 3, 31, tzinfo=UTC)
    auckland = weekdays_9_17("Pacific/Auckland")
    # Sunday 21:00 UTC is Monday 09:00 NZST: working time, while UTC still says Sunday.
    sunday_utc = datetime(2024, 6, 16, 21, tzinfo=UTC)
    assert add(auckland, sunday_utc, 60) == sunday_utc + 60 * MIN
    # Friday 17:00 NZST is Friday 05:00 UTC: a UTC-Friday afternoon is already the weekend.
    assert between(auckland, datetime(2024, 6, 14, 5, tzinfo=UTC), datetime(2024, 6, 16, 21, tzinfo=UTC)) == 0
    # NZ DST ends Sun 7 Apr 2024 and starts Sun 29 Sep 2024 (NZDT = UTC+13, NZST = UTC+12).
    assert add(auckland, local("Pacific/Auckland", 2024, 4, 5, 16), 120) == datetime(2024, 4, 7, 22, tzinfo=UTC)
    assert add(auckland, local("Pacific/Auckland", 2024, 9, 27, 16), 120) == datetime(2024, 9, 29, 21, tzinfo=UTC)


def test_night_shift_across_midnight_is_one_interval():
    cal = Calendar(
        tz="Europe/Berlin",
        weekly_hours={
            0: [(time(22), time.max)],
            **{d: [(time(0), time(6)), (time(22), time.max)] for d in range(1, 5)},
            5: [(time(0), time(6))],
        },
    )
    assert cal.weekly_hours[0] == ((time(22), time(0)),)  # time.max is normalised to "midnight"
    start = local(BERLIN, 2024, 6, 17, 12)  # Monday noon
    assert add(cal, start, 120) == local(BERLIN, 2024, 6, 18, 0)
    assert add(cal, start, 121) == local(BERLIN, 2024, 6, 18, 0, 1)
    assert list(working_intervals(calendar=cal, start=start, end=start + timedelta(days=1))) == [
        (local(BERLIN, 2024, 6, 17, 22).astimezone(UTC), local(BERLIN, 2024, 6, 18, 6).astimezone(UTC))
    ]
    assert between(cal, local(BERLIN, 2024, 6, 17), local(BERLIN, 2024, 6, 24)) == 5 * 8 * 60


def test_always_open_counts_wall_clock_minutes():
    cal = Calendar.always_open()
    start = local(BERLIN, 2024, 3, 30, 12, 7)
    end = local(BERLIN, 2024, 4, 2, 8, 0)  # across the Berlin spring-forward
    # (Subtracting two datetimes of the same zone would give wall-clock time: go via UTC.)
    assert between(cal, start, end) == (end.astimezone(UTC) - start.astimezone(UTC)) / MIN == 4013  # 4073 wall-clock minus the skipped hour
    assert add(cal, start, 10_000.5) == start.astimezone(UTC) + timedelta(minutes=10_000.5)
    assert list(working_intervals(calendar=cal, start=start, end=end)) == [(start.astimezone(UTC), end.astimezone(UTC))]


def test_pauses_stop_the_clock():
    cal = weekdays_9_17("Europe/Berlin")
    opened = local(BERLIN, 2024, 6, 17, 9)  # Monday
    pauses = [(local(BERLIN, 2024, 6, 17, 10), local(BERLIN, 2024, 6, 18, 10))]
    now = local(BERLIN, 2024, 6, 18, 12)
    assert elapsed_business_minutes(calendar=cal, start=opened, end=now, pauses=pauses) == 60 + 120
    assert elapsed_business_minutes(calendar=cal, start=opened, end=now, pauses=[]) == 480 + 180
    # Still pending since Tuesday 11:00: the open pause runs until ``end``.
    still_pending = pauses + [(local(BERLIN, 2024, 6, 18, 11), None)]
    assert elapsed_business_minutes(calendar=cal, start=opened, end=now, pauses=still_pending) == 60 + 60
    # A 4h target: 1h before the pause, 3h after it resumes at Tuesday 10:00.
    assert due_at_with_pauses(calendar=cal, start=opened, minutes=240, pauses=pauses) == local(BERLIN, 2024, 6, 18, 13)
    assert due_at_with_pauses(calendar=cal, start=opened, minutes=240, pauses=still_pending) is None
    assert due_at_with_pauses(calendar=cal, start=opened, minutes=240, pauses=[]) == local(BERLIN, 2024, 6, 17, 13)
    # Overlapping pauses, and pauses before the start, count once / not at all.
    messy = pauses + [(local(BERLIN, 2024, 6, 17, 11), local(BERLIN, 2024, 6, 17, 12)), (opened - timedelta(days=3), opened)]
    assert elapsed_business_minutes(calendar=cal, start=opened, end=now, pauses=messy) == 180


def test_invalid_input_is_rejected():
    cal = weekdays_9_17("Europe/Berlin")
    naive, aware = datetime(2024, 6, 17, 9), local(BERLIN, 2024, 6, 17, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        add(cal, naive, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        between(cal, aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        elapsed_business_minutes(calendar=cal, start=aware, end=aware, pauses=[(naive, None)])
    with pytest.raises(ValueError):
        between(cal, aware, aware - MIN)
    with pytest.raises(ValueError):
        add(cal, aware, -1)
    with pytest.raises(ValueError):
        add(cal, aware, float("nan"))
    with pytest.raises(ValueError):
        Calendar(tz="Mars/Olympus_Mons", weekly_hours={})
    with pytest.raises(ValueError):
        Calendar(tz="UTC", weekly_hours={7: NINE_TO_FIVE})
    with pytest.raises(ValueError, match="crosses midnight"):
        Calendar(tz="UTC", weekly_hours={0: ((time(22), time(6)),)})


def test_calendars_without_working_time_fail_fast():
    never = Calendar(tz="UTC", weekly_hours={})
    with pytest.raises(ValueError, match="no working hours"):
        add(never, datetime(2024, 1, 1, tzinfo=UTC), 1)
    shut = Calendar.standard(tz="UTC", extra_closed=[date(2024, 1, 1) + timedelta(days=n) for n in range(12 * 366)])
    with pytest.raises(ValueError, match="no working time"):
        add(shut, datetime(2024, 1, 1, tzinfo=UTC), 1)
    assert between(never, datetime(2024, 1, 1, tzinfo=UTC), datetime(2034, 1, 1, tzinfo=UTC)) == 0


def test_calendar_is_hashable_and_normalised():
    a = Calendar(tz="UTC", weekly_hours={0: [(time(13), time(17)), (time(9), time(12)), (time(11), time(13))], 1: []})
    b = Calendar(tz="UTC", weekly_hours={0: ((time(9), time(17)),)})
    assert a == b and hash(a) == hash(b)
    assert dict(a.weekly_hours) == {0: ((time(9), time(17)),)}


# --------------------------------------------------------------------------- brute force reference
#
# Minute by minute in UTC: convert to local wall time and keep the running maximum (a
# clock that never runs backwards, i.e. it stands still through a fall-back fold and
# jumps over a spring-forward gap).  A minute is working time when that clock is inside
# a working interval of its weekday on a date that is not closed.  This is exactly the
# module's documented "earliest instant the clock shows the boundary" rule.

TZS = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Santiago",  # DST switches at local midnight
]


def dst_switches(tz: str, year: int) -> list[datetime]:
    """UTC instants (to the minute) at which ``tz`` changes its UTC offset during ``year``."""
    zone, hour = ZoneInfo(tz), datetime(year, 1, 1, tzinfo=UTC)
    found, offset = [], hour.astimezone(zone).utcoffset()
    while hour.year == year:
        hour += HOUR
        if (new := hour.astimezone(zone).utcoffset()) != offset:
            minutes = (hour - HOUR + n * MIN for n in range(1, 61))
            found.append(next(t for t in minutes if t.astimezone(zone).utcoffset() == new))
            offset = new
    return found


SWITCHES = {tz: dst_switches(tz, 2024) + dst_switches(tz, 2025) for tz in TZS}
assert all(len(SWITCHES[tz]) == 4 for tz in TZS if tz not in ("UTC", "Asia/Kolkata"))


def reference_flags(spec: dict, start: datetime, end: datetime) -> list[bool]:
    """Working flag of each minute in [start, end) (minute-aligned UTC datetimes)."""
    zone = ZoneInfo(spec["tz"])
    first, last = int(start.timestamp()), int(end.timestamp())
    highest = datetime.min
    flags = []
    for ts in range(first - 2 * 86400, last, 60):
        highest = max(highest, datetime.fromtimestamp(ts, zone).replace(tzinfo=None))
        if ts < first:
            continue
        minute_of_day = highest.hour * 60 + highest.minute
        flags.append(
            highest.date() not in spec["closed"]
            and any(s <= minute_of_day < e for s, e in spec["hours"].get(highest.weekday(), ()))
        )
    return flags


def nth_working_minute_end(flags: list[bool], start: datetime, minutes: int) -> datetime:
    """Earliest instant by which ``minutes`` working minutes have passed."""
    if minutes == 0:
        return start.astimezone(UTC)  # (an ambiguous local time never == another zone's)
    done = list(accumulate(flags))
    return start.astimezone(UTC) + (done.index(minutes) + 1) * MIN


def as_time(minute_of_day: int, end_style: str) -> time:
    if minute_of_day == 1440:
        return time.max if end_style == "max" else time(0)
    return time(minute_of_day // 60, minute_of_day % 60)


# Interval boundaries: on a half-hour grid, at any minute, or near the local times at
# which the zones above switch (01:30-03:00, and around midnight for Santiago).
boundaries = st.one_of(
    st.integers(0, 48).map(lambda n: n * 30),
    st.integers(0, 1440),
    st.sampled_from([0, 15, 30, 60, 90, 105, 120, 135, 150, 180, 1380, 1410, 1440]),
)
intervals = st.tuples(boundaries, boundaries).filter(lambda p: p[0] != p[1]).map(lambda p: tuple(sorted(p)))


def wall_clock_spots(tz: str, switch: datetime) -> list[tuple[int, int]]:
    """(weekday, minute of day) at the edges of and inside the gap/fold of one switch."""
    zone = ZoneInfo(tz)
    before = (switch - MIN).astimezone(zone).replace(tzinfo=None) + MIN
    after = switch.astimezone(zone).replace(tzinfo=None)
    lo, hi = min(before, after), max(before, after)
    spots = []
    for wall in (lo, lo + (hi - lo) / 4, lo + (hi - lo) / 2, hi - (hi - lo) / 4, hi):
        spots.append((wall.weekday(), wall.hour * 60 + wall.minute))
        if wall.time() == time(0):
            spots.append(((wall.weekday() - 1) % 7, 1440))
    return spots


@st.composite
def scenarios(draw, max_days: int = 10):
    tz = draw(st.sampled_from(TZS))
    hours = draw(st.dictionaries(st.integers(0, 6), st.lists(intervals, max_size=3), max_size=7))
    if SWITCHES[tz] and draw(st.integers(0, 4)):
        # Mostly: a span over a DST switch, with a working-interval boundary inside its gap/fold.
        switch = draw(st.sampled_from(SWITCHES[tz]))
        start = switch - draw(st.integers(0, 3 * 1440)) * MIN
        span = switch - start + draw(st.integers(120, 4 * 1440)) * MIN
        weekday, spot = draw(st.sampled_from(wall_clock_spots(tz, switch)))
        other = draw(boundaries.filter(lambda m: m != spot))
        hours = {**hours, weekday: [*hours.get(weekday, []), (min(spot, other), max(spot, other))]}
    else:
        start = datetime(2000, 1, 1, tzinfo=UTC) + draw(st.integers(0, 35 * 366 * 1440)) * MIN
        span = draw(st.integers(0, max_days * 1440)) * MIN
    closed = {start.date() + timedelta(days=n) for n in draw(st.sets(st.integers(-2, max_days + 2), max_size=3))}
    spec = {"tz": tz, "hours": hours, "closed": closed}
    end_style = draw(st.sampled_from(["midnight", "max"]))
    calendar = Calendar(
        tz=tz,
        weekly_hours={d: [(as_time(s, end_style), as_time(e, end_style)) for s, e in pairs] for d, pairs in hours.items()},
        closed_dates=frozenset(closed),
    )
    # Show the instant in the calendar's zone or in UTC: the result must not care.
    shown_in = draw(st.sampled_from([UTC, ZoneInfo(tz)]))
    return spec, calendar, start.astimezone(shown_in), start + span


@st.composite
def pause_lists(draw, start: datetime, end: datetime, allow_open: bool):
    start = start.astimezone(UTC)  # minute arithmetic on UTC, not on wall-clock time
    total = int((end - start) / MIN)
    pauses = []
    for _ in range(draw(st.integers(0, 4))):
        a = draw(st.integers(-60, total + 60))
        if allow_open and draw(st.integers(0, 5)) == 0:
            pauses.append((start + a * MIN, None))
        else:
            pauses.append((start + a * MIN, start + (a + draw(st.integers(0, 3 * 1440))) * MIN))
    return pauses


def paused_flags(pauses, start: datetime, end: datetime) -> list[bool]:
    flags = []
    t = start.astimezone(UTC)
    while t < end:
        flags.append(any(a <= t < (end if b is None else b) for a, b in pauses))
        t += MIN
    return flags


PROPERTY = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(scenarios())
def test_property_working_intervals_and_between_match_brute_force(scenario):
    spec, cal, start, end = scenario
    flags = reference_flags(spec, start, end)
    assert between(cal, start, end) == sum(flags)
    got = list(working_intervals(calendar=cal, start=start, end=end))
    rebuilt = [False] * len(flags)
    for i, (a, b) in enumerate(got):
        assert a.tzinfo is UTC and b.tzinfo is UTC
        assert start <= a < b <= end
        assert i == 0 or got[i - 1][1] < a  # sorted, disjoint, not touching
        for k in range(int((a - start) / MIN), int((b - start) / MIN)):
            rebuilt[k] = True
    assert rebuilt == flags


@PROPERTY
@given(scenarios(), st.data())
def test_property_add_business_minutes_is_earliest_instant(scenario, data):
    spec, cal, start, end = scenario
    flags = reference_flags(spec, start, end)
    total = sum(flags)
    for minutes in [total, *data.draw(st.lists(st.integers(0, total), min_size=1, max_size=3), label="minutes")]:
        due = add(cal, start, minutes)
        assert due == nth_working_minute_end(flags, start, minutes)
        assert between(cal, start, due) == minutes
        if minutes:
            assert between(cal, start, due - MIN) < minutes


@PROPERTY
@given(scenarios(max_days=6), st.data())
def test_property_pauses_match_brute_force(scenario, data):
    spec, cal, start, end = scenario
    flags = reference_flags(spec, start, end)
    pauses = data.draw(pause_lists(start, end, allow_open=True), label="pauses")
    paused = paused_flags(pauses, start, end)
    effective = [w and not p for w, p in zip(flags, paused)]
    assert elapsed_business_minutes(calendar=cal, start=start, end=end, pauses=pauses) == sum(effective)

    minutes = data.draw(st.integers(0, sum(effective)), label="minutes")
    due = due_at_with_pauses(calendar=cal, start=start, minutes=minutes, pauses=pauses)
    if any(b is None for _, b in pauses):
        assert due is None
    else:
        assert due == nth_working_minute_end(effective, start, minutes)
        assert elapsed_business_minutes(calendar=cal, start=start, end=due, pauses=pauses) == minutes
