"""Inbox rows that say what is decided: the record's title, its requester, an excerpt of why, the
amount or dates, how long it has waited and when it is due. A page of steps costs one query per
kind of record shown and one lookup of people, never one per row."""
from collections import defaultdict

from django.utils import timezone

from apps.core.people import display_people
from apps.core.titles import name_of

from .outcomes import target_model


def _targets(requests) -> dict[str, object]:
    wanted: dict[type, set[str]] = defaultdict(set)
    for request in requests:
        model = target_model(request.entity_type)
        if model is not None and request.entity_id:
            wanted[model].add(request.entity_id)
    found = {}
    for model, ids in wanted.items():
        tenants = {r.tenant_id for r in requests}
        title = getattr(model, "title_format", None)
        records = model.objects.filter(tenant_id__in=tenants, pk__in=ids).select_related(*(title.related if title else ()))
        found.update({record.pk: record for record in records})
    return found


def summarise(steps) -> list[dict]:
    """One row per step (its approval_request loaded): what an inbox shows of it."""
    steps = list(steps)
    if not steps:
        return []
    requests = [step.approval_request for step in steps]
    targets = _targets(requests)
    people_ids: dict[str, set] = defaultdict(set)  # a superuser's inbox spans tenants: names per tenant
    for request in requests:
        people_ids[request.tenant_id].add(request.requested_by_id)
    for record in targets.values():
        title = type(record).title_format
        people_ids[record.tenant_id].update(
            getattr(record, f) for f in (title.person_fields(type(record)) if title else ()))
    by_tenant = {tenant: display_people(tenant, ids) for tenant, ids in people_ids.items()}
    now = timezone.now()
    rows = []
    for step in steps:
        request = step.approval_request
        record = targets.get(request.entity_id)
        labels = by_tenant.get(request.tenant_id, {})
        if record is not None:
            record._people = labels
            kind = type(record)._meta.verbose_name.capitalize()
            title, summary = f"{kind}: {record}", type(record).summary_format.of(record)
        else:
            title, summary = request.title, {"excerpt": request.description, "amount": None, "dates": None}
        rows.append({
            "step": step, "title": title, "requester": labels.get(request.requested_by_id, request.requested_by_id),
            "requester_name": name_of(labels.get(request.requested_by_id, request.requested_by_id)),
            **summary, "waiting_since": step.updated_at, "due": request.due_at,
            "overdue": bool(request.due_at and request.due_at < now),
            "step_of": f"step {step.step_index + 1} of {request.total_steps}",
        })
    return rows
