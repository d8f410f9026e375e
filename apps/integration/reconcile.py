"""Reconciliation: for each catalog entitlement of a connector, the target's real memberships against the
grants recorded here (access requests in `provisioned` for that entitlement).

- in the target, no grant here → an "unmanaged" finding;
- a grant here, not in the target → a "lost" finding;
- an open finding is never opened twice; one whose drift is gone is closed. A dismissed finding (or an
  adopted one whose access request is under way) keeps its drift from being reported again while it lasts.

The target is read as a stream (the connector yields user names page by page); what is kept in memory is
the entitlement's grants and its open findings (user names only), and new findings are written in
batches. Each entitlement is compared in its own transaction: a target failing half-way leaves the
entitlements already compared as they are and this one untouched.

A sync writes the Connector's `sync_status`, `last_sync_at`, `consecutive_errors`, `last_error` and
`metrics` ({totalSynced, last24h, avgLatencyMs}); after CONNECTOR_FAILING_AFTER_ERRORS failures in a
row the connector is `failing` and its owner is told (event `integration.connector.failing`).
"""
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from apps.core import events
from apps.core import services as core
from apps.directory.models import Person
from apps.core.ids import new_id
from apps.core.principal import system_principal

from .catalog_models import Entitlement
from .choices import DriftKind, FindingStatus, OwnerType, SyncStatus
from .connectors.base import ConnectorError
from .drift_models import DriftFinding
from .models import Connector

logger = logging.getLogger(__name__)
BATCH = 500
WINDOW = timedelta(hours=24)


def connector_implementation(connector: Connector):
    """The implementation for a Connector record (its config, and secrets from the secret store)."""
    from .connectors.registry import build

    return build(connector)


@dataclass
class Clock:
    """Time spent waiting on the target (the generator's next()), not on our database."""
    seconds: float = 0.0
    reads: int = 0

    def timed(self, iterable: Iterable[str]) -> Iterator[str]:
        iterator = iter(iterable)
        self.reads += 1
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.seconds += time.perf_counter() - started
                return
            self.seconds += time.perf_counter() - started
            yield item


@dataclass
class SyncOutcome:
    connector_id: str
    ok: bool = True
    entitlements: int = 0
    memberships: int = 0
    opened: int = 0
    closed: int = 0
    error: str = ""
    clock: Clock = field(default_factory=Clock)


def _owner_person(entitlement: Entitlement) -> str | None:
    owner_id, owner_type = entitlement.effective_owner()
    return owner_id if owner_id and owner_type == OwnerType.PERSON else None


def _user_names(tenant_id: str, person_ids: list[str]) -> dict[str, str]:
    return dict(Person.objects.filter(tenant_id=tenant_id, pk__in=person_ids).values_list("pk", "user_name"))


def _grants(entitlement: Entitlement) -> dict[str, tuple[str, str, str]]:
    """{lower user name: (user name, person id, access request id)} of the active grants."""
    from apps.operations.choices import AccessStatus, AccessType, PrincipalType
    from apps.operations.models import AccessRequest

    rows = (AccessRequest.objects.filter(tenant_id=entitlement.tenant_id, entitlement=entitlement,
                                         status=AccessStatus.PROVISIONED)
            .exclude(access_type=AccessType.REVOKE)
            .values_list("pk", "principal_id", "requester_id", "principal_type", "provisioned_members"))
    grants: dict[str, tuple[str, str, str]] = {}
    chunk: list[tuple[str, str]] = []

    def flush():
        names = _user_names(entitlement.tenant_id, [person for _, person in chunk])
        for request_id, person in chunk:
            if person in names:
                grants[names[person].lower()] = (names[person], person, request_id)
        chunk.clear()

    for request_id, principal_id, requester_id, principal_type, members in rows.iterator(chunk_size=2000):
        if principal_type == PrincipalType.GROUP:  # a group's grant: each member the target confirmed
            chunk.extend((request_id, member) for member in members or ())
        else:
            chunk.append((request_id, principal_id or requester_id))
        if len(chunk) >= 2000:
            flush()
    flush()
    return grants


ACTIVE = [FindingStatus.UNMANAGED, FindingStatus.LOST, FindingStatus.REVOKING, FindingStatus.REGRANTING]  # the sync may close these
SETTLED_BUT_CURRENT = Q(status=FindingStatus.DISMISSED, current=True) | (
    Q(status=FindingStatus.ADOPTED, current=True) & ~Q(grant_request__status="rejected"))


def _open_findings(entitlement: Entitlement) -> dict[tuple[str, str], str]:
    """The findings that stand for drift still reported: open ones (or with a revoke or re-grant under way),
    dismissed ones still current, adopted ones whose access request was not rejected."""
    rows = DriftFinding.objects.filter(Q(status__in=ACTIVE) | SETTLED_BUT_CURRENT, entitlement=entitlement)
    return {(kind, name.lower()): pk for pk, kind, name in rows.values_list("pk", "kind", "user_name").iterator()}


class FindingWriter:
    """New findings, written BATCH at a time with their history rows."""

    def __init__(self, *, connector: Connector, entitlement: Entitlement, now: datetime):
        self.connector, self.entitlement, self.now = connector, entitlement, now
        self.owner_id = _owner_person(entitlement)
        self.pending: list[tuple[str, str, str | None, str | None]] = []  # kind, user name, person, request
        self.counts = {DriftKind.UNMANAGED: 0, DriftKind.LOST: 0}

    def add(self, kind: str, user_name: str, *, person_id: str | None = None, request_id: str | None = None):
        self.pending.append((kind, user_name, person_id, request_id))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self):
        if not self.pending:
            return
        unknown = {name.lower() for kind, name, person, _ in self.pending if person is None}
        people = dict(Person.objects.annotate(lower=Lower("user_name"))
                      .filter(tenant_id=self.entitlement.tenant_id, lower__in=unknown)
                      .values_list("lower", "pk")) if unknown else {}
        rows = [DriftFinding(
            id=new_id(DriftFinding.id_prefix), tenant_id=self.entitlement.tenant_id, connector=self.connector,
            entitlement=self.entitlement, kind=kind, status=kind, user_name=name, person_id=person or people.get(name.lower()),
            owner_id=self.owner_id, grant_request_id=request, first_seen_at=self.now, last_seen_at=self.now,
            created_by="system", updated_by="system", source_type="system",
        ) for kind, name, person, request in self.pending]
        bulk_create_with_history(rows, DriftFinding, batch_size=BATCH, default_change_reason="sync")
        for kind, *_ in self.pending:
            self.counts[kind] += 1
        self.pending.clear()


def reconcile_entitlement(*, connector: Connector, entitlement: Entitlement, target, outcome: SyncOutcome,
                          now: datetime) -> None:
    actor = system_principal(connector.tenant_id)
    with transaction.atomic():
        grants = _grants(entitlement)
        open_findings = _open_findings(entitlement)
        still_open: set[str] = set()
        matched: set[str] = set()
        new_unmanaged: set[str] = set()
        writer = FindingWriter(connector=connector, entitlement=entitlement, now=now)
        for user_name in outcome.clock.timed(target.list_memberships(entitlement.target_ref)):
            outcome.memberships += 1
            key = user_name.lower()
            if key in grants:
                matched.add(key)
            elif (pk := open_findings.get((DriftKind.UNMANAGED, key))) is not None:
                still_open.add(pk)
            elif key not in new_unmanaged:  # a target listing someone twice is one finding
                new_unmanaged.add(key)
                writer.add(DriftKind.UNMANAGED, user_name)
        for key, (user_name, person_id, request_id) in grants.items():
            if key in matched:
                continue
            if (pk := open_findings.get((DriftKind.LOST, key))) is not None:
                still_open.add(pk)
            else:
                writer.add(DriftKind.LOST, user_name, person_id=person_id, request_id=request_id)
        writer.flush()
        seen = list(still_open)
        for start in range(0, len(seen), BATCH):
            DriftFinding.objects.filter(pk__in=seen[start:start + BATCH]).update(last_seen_at=now)
        from .drift_services import drift_finding_close  # it builds on this module's connector_implementation

        vanished = [pk for pk in open_findings.values() if pk not in still_open]
        closed = 0
        for finding in DriftFinding.objects.filter(pk__in=vanished, status__in=ACTIVE).iterator():
            drift_finding_close(actor=actor, drift_finding=finding, check_permission=False)
            closed += 1
        DriftFinding.objects.filter(pk__in=vanished).exclude(status__in=ACTIVE).update(current=False)
        outcome.opened += writer.counts[DriftKind.UNMANAGED] + writer.counts[DriftKind.LOST]
        outcome.closed += closed
        if writer.counts[DriftKind.UNMANAGED] or writer.counts[DriftKind.LOST]:
            events.emit(obj=connector, action="drift_found", actor=actor, payload={
                "connector_id": connector.pk, "entitlement_id": entitlement.pk, "entitlement": entitlement.name,
                "owner_id": writer.owner_id, "unmanaged": writer.counts[DriftKind.UNMANAGED],
                "lost": writer.counts[DriftKind.LOST]})


def catalog_entitlements(connector: Connector):
    return (Entitlement.objects.filter(tenant_id=connector.tenant_id, system__connector=connector,
                                       system__is_deleted=False).exclude(target_ref="")
            .select_related("system").order_by("id"))


def connector_sync(*, connector_id: str, now: datetime | None = None) -> SyncOutcome:
    """Compare every catalog entitlement of the connector with its target; record the outcome on it."""
    now = now or timezone.now()
    connector = Connector.objects.get(pk=connector_id)
    outcome = SyncOutcome(connector_id=connector.pk)
    Connector.objects.filter(pk=connector.pk).update(sync_status=SyncStatus.SYNCING)
    target = None
    try:
        target = connector_implementation(connector)
        for entitlement in catalog_entitlements(connector):
            reconcile_entitlement(connector=connector, entitlement=entitlement, target=target, outcome=outcome, now=now)
            outcome.entitlements += 1
    except ConnectorError as exc:
        outcome.ok, outcome.error = False, str(exc)
    except Exception as exc:  # a bug or a library's surprise: counted as a failed sync, logged in full here
        logger.exception("connector %s: sync failed", connector.pk)
        outcome.ok, outcome.error = False, f"Sync failed unexpectedly ({type(exc).__name__}); see the logs."
    finally:
        if target is not None and hasattr(target, "close"):
            target.close()
    _record(connector_id=connector.pk, outcome=outcome, now=now)
    return outcome


def _metrics(previous: dict, outcome: SyncOutcome, now: datetime) -> dict:
    """{totalSynced: memberships read over all syncs, last24h: memberships read by the syncs of the last
    24 hours, avgLatencyMs: mean time of one target read over those syncs}; `runs` keeps the last day's
    syncs (a few dozen entries) so the window can slide."""
    runs = [r for r in previous.get("runs") or [] if datetime.fromisoformat(r[0]) > now - WINDOW]
    latency_ms = round(outcome.clock.seconds * 1000 / outcome.clock.reads, 1) if outcome.clock.reads else None
    runs.append([now.isoformat(), outcome.memberships, latency_ms])
    latencies = [r[2] for r in runs if r[2] is not None]
    return {
        "totalSynced": int(previous.get("totalSynced") or 0) + outcome.memberships,
        "last24h": sum(r[1] for r in runs),
        "avgLatencyMs": round(sum(latencies) / len(latencies), 1) if latencies else None,
        "runs": runs[-200:],
    }


def _record(*, connector_id: str, outcome: SyncOutcome, now: datetime) -> None:
    with transaction.atomic():
        connector = Connector.objects.select_for_update().get(pk=connector_id)
        actor = system_principal(connector.tenant_id)
        became_failing = False
        if outcome.ok:
            errors, status, last_error = 0, SyncStatus.HEALTHY, ""
        else:
            errors = connector.consecutive_errors + 1
            failing = errors >= settings.CONNECTOR_FAILING_AFTER_ERRORS
            status = SyncStatus.FAILING if failing else SyncStatus.DEGRADED
            became_failing = failing and connector.sync_status != SyncStatus.FAILING \
                and connector.consecutive_errors < settings.CONNECTOR_FAILING_AFTER_ERRORS
            last_error = outcome.error[:2000]
        fields = {"sync_status": status, "last_sync_at": now, "consecutive_errors": errors, "last_error": last_error,
                  "metrics": _metrics(connector.metrics or {}, outcome, now)}
        Connector.objects.filter(pk=connector.pk).update(**fields)
        for name, value in fields.items():
            setattr(connector, name, value)
        events.emit(obj=connector, action="sync_completed", actor=actor, payload={
            "connector_id": connector.pk, "name": connector.name, "owner_id": connector.owner_id, "ok": outcome.ok,
            "sync_status": status, "entitlements": outcome.entitlements, "memberships": outcome.memberships,
            "opened": outcome.opened, "closed": outcome.closed, "consecutive_errors": errors, "error": last_error})
        if became_failing:
            events.emit(obj=connector, action="failing", actor=actor, payload={
                "connector_id": connector.pk, "name": connector.name, "owner_id": connector.owner_id,
                "consecutive_errors": errors, "last_error": last_error})


def connectors_to_sync():
    """Enabled connectors that back an active catalog system."""
    return (Connector.objects.filter(enabled=True, systems__is_active=True, systems__is_deleted=False)
            .distinct().order_by("tenant_id", "id"))
