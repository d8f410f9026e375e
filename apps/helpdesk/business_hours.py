"""Business-hours arithmetic for helpdesk SLA clocks (pure Python, no Django).

Semantics
---------
* Working time is defined per *local calendar date* in ``Calendar.tz``: on a date not
  in ``closed_dates``, every ``(start, end)`` of ``weekly_hours[date.weekday()]`` is
  working time from local wall-clock ``start`` until local wall-clock ``end``.
* ``end == time(0, 0)`` or ``end == time.max`` means "until midnight" (the end of that
  date), so ``(time(0), time(0))`` is the whole day.  Any other ``end <= start`` is a
  ``ValueError``: an interval never crosses midnight, split it over two weekdays.
* DST: a wall-clock boundary maps to the *earliest instant at which the local clock
  shows that time or later*.  An ambiguous time (fall-back fold) is therefore its first
  occurrence (PEP 495 ``fold=0``); a non-existent time (spring-forward gap) is the
  instant of the jump (which is what the local clock "reaches" first).  Intervals measure
  real time: 09:00-17:00 is 8 h on a DST-change day unless the gap/fold lies inside it
  (then 7 h / 9 h in Europe and the US).
* Spans are half-open ``[start, end)``.  Durations are float minutes, computed with exact
  ``timedelta`` (microsecond) arithmetic.  Returned datetimes are aware UTC.
* Every datetime argument must be timezone-aware, else ``ValueError``.
* Cost grows with the number of local days a span covers, not with its length in minutes.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "MAX_IDLE_DAYS",
    "Calendar",
    "add_business_minutes",
    "business_minutes_between",
    "due_at_with_pauses",
    "elapsed_business_minutes",
    "working_intervals",
]

UTC = timezone.utc
MAX_IDLE_DAYS = 3660  # add_*: ValueError after ~10 years of local days without working time
_DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)

Interval = tuple[datetime, datetime]
Pause = tuple[datetime, datetime | None]
_Spans = tuple[tuple[timedelta, timedelta], ...]  # offsets from local midnight


@dataclass(frozen=True)
class Calendar:
    """Weekly working hours in one IANA time zone, minus closed local dates.

    ``weekly_hours`` maps weekday (0=Monday .. 6=Sunday) to local ``(start, end)`` pairs;
    it is normalised on construction (sorted, overlapping/touching pairs merged, empty
    weekdays dropped, ``time.max`` end stored as ``time(0, 0)``).
    """

    tz: str
    weekly_hours: Mapping[int, Sequence[tuple[time, time]]]
    closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        spans: list[_Spans] = [()] * 7
        for weekday, pairs in self.weekly_hours.items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0..6, got {weekday!r}")
            spans[weekday] = _normalise(pairs)
        closed = frozenset(self.closed_dates)
        if any(isinstance(d, datetime) or not isinstance(d, date) for d in closed):
            raise ValueError("closed_dates must hold datetime.date objects")
        hours = {
            weekday: tuple((_as_time(s), _as_time(e % _DAY)) for s, e in day)
            for weekday, day in enumerate(spans)
            if day
        }
        object.__setattr__(self, "weekly_hours", MappingProxyType(hours))
        object.__setattr__(self, "closed_dates", closed)
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_spans", tuple(spans))

    def __hash__(self) -> int:
        return hash((self.tz, self._spans, self.closed_dates))

    @property
    def has_working_hours(self) -> bool:
        return any(self._spans)

    @classmethod
    def always_open(cls) -> Calendar:
        """24x7 in UTC: business minutes equal wall-clock minutes."""
        whole_day = ((time(0), time(0)),)
        return cls(tz="UTC", weekly_hours={d: whole_day for d in range(7)})

    @classmethod
    def standard(
        cls,
        *,
        tz: str,
        country: str | None = None,
        subdivision: str | None = None,
        extra_closed: Iterable[date] = (),
        years: Iterable[int] | None = None,
    ) -> Calendar:
        """Mon-Fri 09:00-17:00 local, closed on ``country``'s public holidays and ``extra_closed``.

        ``years`` defaults to last year .. five years ahead; SLA clocks running outside
        those years would treat holidays as working days.
        """
        closed = set(extra_closed)
        if country is not None:
            import holidays  # local import: only this constructor needs the package

            if years is None:
                this_year = date.today().year
                years = range(this_year - 1, this_year + 6)
            closed.update(holidays.country_holidays(country, subdiv=subdivision, years=list(years)))
        elif subdivision is not None:
            raise ValueError("subdivision needs a country")
        nine_to_five = ((time(9), time(17)),)
        return cls(tz=tz, weekly_hours={d: nine_to_five for d in range(5)}, closed_dates=frozenset(closed))


def working_intervals(*, calendar: Calendar, start: datetime, end: datetime) -> Iterator[Interval]:
    """Working time inside ``[start, end)`` as ordered, disjoint, non-touching UTC intervals."""
    start_utc, end_utc = _span(start, end)
    pending: Interval | None = None
    for a, b in _raw_intervals(calendar, start_utc, end_utc):
        if pending is not None and a == pending[1]:
            pending = (pending[0], b)
            continue
        if pending is not None:
            yield pending
        pending = (a, b)
    if pending is not None:
        yield pending


def business_minutes_between(*, calendar: Calendar, start: datetime, end: datetime) -> float:
    """Working time in ``[start, end)``, in minutes."""
    return _between(calendar, *_span(start, end)) / _MINUTE


def add_business_minutes(*, calendar: Calendar, start: datetime, minutes: float) -> datetime:
    """Earliest instant at which ``minutes`` of working time have elapsed since ``start``.

    ``minutes == 0`` returns ``start`` itself (as UTC, not snapped to working time).
    ``ValueError`` if the calendar has no working hours or ~10 years pass without any.
    """
    return _add(calendar, _aware(start, "start"), _duration(minutes))


def elapsed_business_minutes(
    *, calendar: Calendar, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
) -> float:
    """Working time in ``[start, end)`` outside every pause, in minutes.

    A pause is ``(paused_at, resumed_at)``; ``resumed_at=None`` means still paused (runs
    until ``end``).  Pauses may overlap and may extend outside ``[start, end)``.
    """
    start_utc, end_utc = _span(start, end)
    total = timedelta()
    cursor = start_utc
    for p_start, p_end in _merge_pauses(pauses, after=start_utc, open_end=end_utc):
        if p_start >= end_utc:
            break
        if p_start > cursor:
            total += _between(calendar, cursor, p_start)
        cursor = max(cursor, p_end)
    if cursor < end_utc:
        total += _between(calendar, cursor, end_utc)
    return total / _MINUTE


def due_at_with_pauses(
    *, calendar: Calendar, start: datetime, minutes: float, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """When ``minutes`` of working time outside ``pauses`` have elapsed since ``start``.

    Returns ``None`` while any pause is open (``resumed_at is None``): the clock is stopped
    so there is no due instant yet.  Otherwise the earliest instant ``t`` with
    ``elapsed_business_minutes(start=start, end=t, pauses=pauses) == minutes``
    (``minutes == 0`` -> ``start``).
    """
    start_utc = _aware(start, "start")
    need = _duration(minutes)
    pauses = list(pauses)
    if any(p_end is None for _, p_end in pauses):
        _merge_pauses(pauses, after=start_utc, open_end=start_utc)  # still validate input
        return None
    if not need:
        return start_utc
    cursor = start_utc
    for p_start, p_end in _merge_pauses(pauses, after=start_utc, open_end=start_utc):
        if p_start > cursor:
            available = _between(calendar, cursor, p_start)
            if need <= available:
                return _add(calendar, cursor, need)
            need -= available
        cursor = max(cursor, p_end)
    return _add(calendar, cursor, need)


# --------------------------------------------------------------------------- internals


def _normalise(pairs: Sequence[tuple[time, time]]) -> _Spans:
    spans: list[tuple[timedelta, timedelta]] = []
    for pair in pairs:
        s, e = pair
        for t in (s, e):
            if not isinstance(t, time) or t.tzinfo is not None:
                raise ValueError(f"working hours must be naive datetime.time values, got {t!r}")
        s_off = _offset(s)
        e_off = _DAY if e in (time(0), time.max) else _offset(e)
        if e_off <= s_off:
            raise ValueError(f"interval {s}-{e} is empty or crosses midnight; split it per weekday")
        spans.append((s_off, e_off))
    spans.sort()
    merged: list[tuple[timedelta, timedelta]] = []
    for s_off, e_off in spans:
        if merged and s_off <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e_off))
        else:
            merged.append((s_off, e_off))
    return tuple(merged)


def _offset(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _as_time(offset: timedelta) -> time:
    return (datetime.min + offset).time()


def _aware(dt: datetime, name: str) -> datetime:
    if not isinstance(dt, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {dt!r}")
    return dt.astimezone(UTC)


def _span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start_utc, end_utc = _aware(start, "start"), _aware(end, "end")
    if end_utc < start_utc:
        raise ValueError(f"end {end} is before start {start}")
    return start_utc, end_utc


def _duration(minutes: float) -> timedelta:
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not math.isfinite(minutes):
        raise ValueError(f"minutes must be a finite number, got {minutes!r}")
    if minutes < 0:
        raise ValueError(f"minutes must be >= 0, got {minutes!r}")
    return timedelta(minutes=minutes)


def _first_instant(zone: ZoneInfo, local: datetime) -> datetime:
    """Earliest UTC instant at which the local clock shows naive ``local`` or later."""
    before = zone.utcoffset(local)  # naive ``local`` has fold=0
    after = zone.utcoffset(local.replace(fold=1))
    if before >= after:  # normal time, or fall-back fold (fold=0 = first occurrence)
        return (local - before).replace(tzinfo=UTC)
    # Spring-forward gap: the clock jumps past ``local`` at the transition, which lies
    # in (local - after, local - before].  Transitions fall on whole seconds: bisect.
    lo = math.floor((local - after - datetime(1970, 1, 1)).total_seconds())
    hi = math.ceil((local - before - datetime(1970, 1, 1)).total_seconds())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        shown = datetime.fromtimestamp(mid, zone).replace(tzinfo=None)
        if shown >= local:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _raw_intervals(calendar: Calendar, start: datetime, end: datetime | None) -> Iterator[Interval]:
    """Per-day working intervals clipped to ``[start, end)``; ``end=None`` is unbounded.

    Unbounded iteration raises ``ValueError`` after ``MAX_IDLE_DAYS`` days without work.
    """
    zone: ZoneInfo = calendar._zone
    day = start.astimezone(zone).date() - _DAY  # DST mapping may pull a boundary a day early
    last_day = None if end is None else end.astimezone(zone).date() + _DAY
    idle_days = 0
    while last_day is None or day <= last_day:
        if day in calendar.closed_dates:
            spans: _Spans = ()
        else:
            spans = calendar._spans[day.weekday()]
        midnight = datetime.combine(day, time())
        worked = False
        for s_off, e_off in spans:
            a = max(_first_instant(zone, midnight + s_off), start)
            b = _first_instant(zone, midnight + e_off)
            if end is not None:
                if a >= end:
                    return
                b = min(b, end)
            if a < b:
                worked = True
                yield a, b
        if end is None:
            idle_days = 0 if worked else idle_days + 1
            if idle_days > MAX_IDLE_DAYS:
                raise ValueError(f"no working time within {MAX_IDLE_DAYS} days after {start}")
            if day.year >= 9999:
                raise ValueError("date out of range")
        day += _DAY


def _between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    total = timedelta()
    for a, b in _raw_intervals(calendar, start, end):
        total += b - a
    return total


def _add(calendar: Calendar, start: datetime, need: timedelta) -> datetime:
    if not need:
        return start
    if not calendar.has_working_hours:
        raise ValueError("calendar has no working hours")
    for a, b in _raw_intervals(calendar, start, None):
        if need <= b - a:
            return a + need
        need -= b - a
    raise AssertionError("unreachable: unbounded iteration ends with ValueError")


def _merge_pauses(pauses: Iterable[Pause], *, after: datetime, open_end: datetime) -> list[Interval]:
    """Validated pauses as sorted disjoint UTC intervals, clipped to ``>= after``."""
    spans: list[Interval] = []
    for pause in pauses:
        p_start, p_end = pause
        p_start = _aware(p_start, "pause start")
        p_end = open_end if p_end is None else _aware(p_end, "pause end")
        if p_end < p_start and pause[1] is not None:
            raise ValueError(f"pause ends before it starts: {pause!r}")
        p_start = max(p_start, after)
        if p_end > p_start:
            spans.append((p_start, p_end))
    spans.sort()
    merged: list[Interval] = []
    for p_start, p_end in spans:
        if merged and p_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], p_end))
        else:
            merged.append((p_start, p_end))
    return merged
