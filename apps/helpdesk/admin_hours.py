"""A business calendar's working hours in the admin: one line per weekday, `09:00-12:00, 13:00-17:00`,
an empty line for a closed day — stored as the JSON the calendar keeps (`{"mon": [["09:00", "12:00"], …]}`).
Whether the times make a working week is still build_calendar's to say (a form error, not a page)."""
import re

from django import forms
from django.core.exceptions import ValidationError
from unfold.widgets import UnfoldAdminTextInputWidget

from .calendars import WEEKDAYS

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def spans_text(spans) -> str:
    return ", ".join(f"{start}-{end}" for start, end in spans or [])


class WeeklyHoursWidget(forms.MultiWidget):
    template_name = "helpdesk/weekly_hours_widget.html"  # the form renderer looks in apps, not templates/

    def __init__(self):
        super().__init__([UnfoldAdminTextInputWidget(attrs={"placeholder": "closed", "aria-label": day})
                          for day in DAY_NAMES])

    def decompress(self, value):
        if isinstance(value, dict):
            return [spans_text(value.get(day)) for day in WEEKDAYS]
        return [""] * len(WEEKDAYS)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for day, subwidget in zip(DAY_NAMES, context["widget"]["subwidgets"], strict=True):
            subwidget["day"] = day
        return context


class WeeklyHoursField(forms.MultiValueField):
    widget = WeeklyHoursWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Per weekday, spans like 09:00-12:00, 13:00-17:00; 24:00 as an end means "
                                       "midnight; leave a day empty when it is closed.")
        super().__init__(fields=[forms.CharField(required=False, max_length=200) for _ in WEEKDAYS],
                         require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list):
        hours = {}
        for day, name, text in zip(WEEKDAYS, DAY_NAMES, data_list or [""] * len(WEEKDAYS), strict=True):
            spans = []
            for part in filter(None, (p.strip() for p in (text or "").split(","))):
                match = SPAN.match(part)
                if not match:
                    raise ValidationError(f"{name}: {part!r} is not a span like 09:00-17:00.")
                spans.append([match[1].zfill(5), match[2].zfill(5)])
            if spans:
                hours[day] = spans
        return hours
