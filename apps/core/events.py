"""Outbox events. `emit` runs inside the caller's transaction; listeners run after commit."""
import json
import logging

from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.dispatch import Signal

from .event_catalogue import is_declared
from .models import Event

logger = logging.getLogger(__name__)

# Sent after the transaction that wrote the event commits (webhook fan-out listens).
event_committed = Signal()
# Sent inside the transaction, right after the outbox row is written, with the record:
# listeners' writes commit or roll back with the change (approvals opens requests here).
event_emitted = Signal()

_JSON_NATIVE = (str, int, float, bool, type(None))
_encoder = DjangoJSONEncoder()


def json_ready(value):
    """`value` as json.loads(json.dumps(value, cls=DjangoJSONEncoder)) returns it, without the
    round trip for plain values (a record has ~30 of them, written on every change)."""
    if type(value) in _JSON_NATIVE:
        return value
    if isinstance(value, (list, tuple, dict, str, int, float)):  # containers, str/int subclasses
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return _encoder.default(value)  # datetime, date, Decimal, UUID… exactly as dumps encodes them


def record_payload(obj: models.Model) -> dict:
    """The record as JSON-ready data (concrete fields plus alias names), as the API shows it."""
    hidden = getattr(obj, "api_hidden_fields", ())
    data = {field.attname: json_ready(field.value_from_object(obj)) for field in obj._meta.concrete_fields
            if field.name not in hidden}
    for alias, canonical in getattr(obj, "field_aliases", {}).items():
        data[alias] = data.get(canonical)
    return data


def emit(*, obj, action: str, actor=None, payload: dict | None = None, event_type: str | None = None) -> Event:
    event_type = event_type or f"{obj.event_prefix()}.{action}"
    if not is_declared(event_type):
        raise ImproperlyConfigured(f"{event_type} is not in the event catalogue: declare it with its payload "
                                   "beside the code that emits it (apps/<domain>/event_types.py)")
    event = Event.objects.create(
        tenant_id=obj.tenant_id,
        app_id=getattr(obj, "app_id", None),
        type=event_type,
        entity_type=obj._meta.label,
        entity_id=obj.pk,
        actor_id=getattr(actor, "person_id", None),
        payload=payload if payload is not None else record_payload(obj),
    )
    event_emitted.send(sender=type(obj), event=event, obj=obj, action=action, actor=actor)
    transaction.on_commit(lambda: send_committed(event))
    return event


def send_committed(event: Event) -> None:
    """Tell the after-commit listeners. The change and its outbox row are committed by now, so a
    listener's failure (the cache or queue down) is logged, never raised: the response must not
    say "nothing was changed" about a committed write (clients would retry and duplicate it)."""
    for receiver, result in event_committed.send_robust(sender=Event, event=event):
        if isinstance(result, Exception):
            logger.error("event_committed receiver %s failed for event %s (the outbox row is kept)",
                         getattr(receiver, "__qualname__", receiver), event.pk, exc_info=result)
