"""A business calendar's working hours in the admin: a row per weekday with a Closed box and its start and
end times (and a second span for a split day) — stored as the JSON the calendar keeps
(`{"mon": [["09:00", "12:00"], …]}`). The form says what is incomplete (a start without an end, a day
neither closed nor given hours); whether the times make a working week stays the model's rule
(build_calendar, the same for every writer): a form error that changes nothing."""
from datetime import time

from django import forms
from django.core.exceptions import ValidationError
from unfold.widgets import BASE_INPUT_CLASSES

from .calendars import WEEKDAYS

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SPANS = 2  # a day's spans shown at least: its hours, and a second one for a split day (a lunch break)
MIDNIGHT_END = "24:00"  # how the calendar keeps an end at midnight; a time box shows it as 00:00
TIME_INPUT = " ".join(c for c in BASE_INPUT_CLASSES if not c.startswith("w-")) + " w-32"


def _span_labels(day: str, spans: int) -> list[str]:
    names = ["opens", "second span", *(f"span {n}" for n in range(3, spans + 1))][:spans]
    return [f"{day}: {which} {end}" for which in names for end in ("from", "to")]


def spans_needed(hours) -> int:
    """As many spans as the busiest stored day has (at least SPANS), so saving the form never drops one."""
    days = hours.values() if isinstance(hours, dict) else []
    return max([SPANS, *(len(spans) for spans in days if isinstance(spans, list))])


def spans_words(spans) -> str:
    return ", ".join(f"{start}–{end}" for start, end in spans or []) or "closed"


def week_words(hours) -> str:
    """The week as staff read it: a line per weekday."""
    hours = hours if isinstance(hours, dict) else {}
    return "\n".join(f"{name}: {spans_words(hours.get(day))}" for day, name in zip(WEEKDAYS, DAY_NAMES, strict=True))


class WeeklyHoursWidget(forms.MultiWidget):
    template_name = "helpdesk/weekly_hours_widget.html"  # the form renderer looks in apps, not templates/

    def __init__(self, spans: int = SPANS):
        self.spans, self.parts = spans, 1 + 2 * spans  # per day: closed, then start and end of each span
        widgets = []
        for day in DAY_NAMES:
            widgets.append(forms.CheckboxInput(attrs={"aria-label": f"{day}: closed", "class": "closed"}))
            widgets += [forms.TimeInput(format="%H:%M", attrs={"type": "time", "aria-label": label, "class": TIME_INPUT})
                        for label in _span_labels(day, spans)]
        super().__init__(widgets)

    def decompress(self, value):
        if not isinstance(value, dict):
            return [None] * (self.parts * len(WEEKDAYS))
        parts = []
        for day in WEEKDAYS:
            spans = list(value.get(day) or [])[:self.spans]
            times = [("00:00" if t == MIDNIGHT_END else t) for span in spans for t in span]
            parts += [not spans, *times, *[None] * (2 * self.spans - len(times))]
        return parts

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        subwidgets, parts = context["widget"]["subwidgets"], self.parts
        context["widget"]["days"] = [
            {"name": day, "closed": subwidgets[i * parts],
             "spans": [subwidgets[i * parts + 1 + 2 * s: i * parts + 3 + 2 * s] for s in range(self.spans)]}
            for i, day in enumerate(DAY_NAMES)]
        return context


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


class WeeklyHoursField(forms.MultiValueField):
    def __init__(self, *, spans: int = SPANS, **kwargs):
        self.spans, self.parts = spans, 1 + 2 * spans
        kwargs.setdefault("widget", WeeklyHoursWidget(spans))
        kwargs.setdefault("help_text", "Per weekday, when work starts and ends (a second span for a split day); tick "
                                       "Closed for a day off. An end of 00:00 means midnight.")
        fields = []
        for day in DAY_NAMES:
            fields.append(forms.BooleanField(required=False))
            fields += [forms.TimeField(required=False, error_messages={"invalid": f"{label}: give a time like 09:00."})
                       for label in _span_labels(day, spans)]
        super().__init__(fields=fields, require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list):
        parts = self.parts
        data_list = list(data_list or [None] * (parts * len(WEEKDAYS)))
        hours, errors = {}, []
        for i, (day, name) in enumerate(zip(WEEKDAYS, DAY_NAMES, strict=True)):
            closed, *times = data_list[i * parts:(i + 1) * parts]
            if closed:
                continue
            spans = [(times[2 * s], times[2 * s + 1]) for s in range(self.spans)]
            if any((start is None) != (end is None) for start, end in spans):
                errors.append(f"{name}: give both the start and the end.")
                continue
            given = [[_clock(start), MIDNIGHT_END if end == time(0) else _clock(end)] for start, end in spans if start]
            if not given:
                errors.append(f"{name}: give the working hours, or tick Closed.")
            hours[day] = given
        if errors:
            raise ValidationError(errors)
        return hours
