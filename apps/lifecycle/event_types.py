"""Lifecycle events besides the records' own (the sweep emits them)."""
from apps.core.event_catalogue import declare_event, record_payload_with

from .models import OffboardingCase

declare_event(OffboardingCase, "overdue", payload=record_payload_with(OffboardingCase, "Overdue"),
              description="An offboarding case is still open past its due date (once per case): IT hears of it.")
