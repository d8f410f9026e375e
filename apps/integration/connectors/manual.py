"""Manual: a system no connector reaches. A grant or a removal is a task in the Pending queue for the
entitlement's owner; a person does it in the system and closes the task, and only then does `verify`
say so. So every catalog system works, connected or not.

The registry builds it per access request (`config` carries the request's context, no secrets):
tenant_id, request_id, owner_id, owner_type (person|group), label (what is granted, for the title).
Tasks are keyed by the request: asking twice finds the same open task.
"""
from collections.abc import Iterable

from .base import Account, ConnectorError, PersonRef, connector_type

GRANT_TASK, REVOKE_TASK = "access_grant", "access_revoke"


@connector_type("manual", label="Manual (a task for the owner)")
class ManualConnector:
    confirms_later = True  # the target is a person: `verify` turns true when they close the task

    def __init__(self, *, config: dict, secrets: dict | None = None, timeout: float | None = None):
        missing = [key for key in ("tenant_id", "request_id") if not config.get(key)]
        if missing:
            raise ConnectorError(f"manual connector: needs {', '.join(missing)} (built per access request)",
                                 retryable=False)
        self.tenant_id, self.request_id = config["tenant_id"], config["request_id"]
        self.owner_id, self.owner_type = config.get("owner_id"), config.get("owner_type") or "person"
        self.label = config.get("label") or "access"

    # A person keeps the list: there is nothing to read back but the tasks.
    def list_accounts(self) -> Iterable[Account]:
        return []

    def list_memberships(self, entitlement: str) -> Iterable[str]:
        return []

    def grant(self, *, person: PersonRef, entitlement: str) -> Account:
        task = self._task(GRANT_TASK, person, f"Grant {self.label} to {person.display_name or person.user_name}")
        return Account(external_id=person.person_id, user_name=person.user_name, extra={"task_id": task.id})

    def revoke(self, *, person: PersonRef, entitlement: str) -> None:
        self._task(REVOKE_TASK, person, f"Remove {self.label} from {person.display_name or person.user_name}")

    def verify(self, *, person: PersonRef, entitlement: str) -> bool:
        """Holds it: the grant task was closed, and no removal task was closed since."""
        if self.closed_task(REVOKE_TASK) is not None:
            return False
        return self.closed_task(GRANT_TASK) is not None

    def closed_task(self, kind: str):
        from apps.operations.choices import PendingStatus

        return self._tasks(kind).filter(status=PendingStatus.COMPLETED).first()

    def _tasks(self, kind: str):
        from apps.operations.models import Pending

        return Pending.objects.filter(tenant_id=self.tenant_id, type=kind, source_id=self.request_id)

    def _task(self, kind: str, person: PersonRef, title: str):
        from apps.core import services as core
        from apps.core.principal import system_principal
        from apps.operations.models import Pending

        existing = self._tasks(kind).first()
        if existing is not None:
            return existing
        owner = self.owner_id if self.owner_type == "person" else None
        group = f" (owning group {self.owner_id})" if self.owner_id and not owner else ""
        what = "grant" if kind == GRANT_TASK else "remove"
        return core.record_create(actor=system_principal(self.tenant_id), obj=Pending(
            type=kind, source_id=self.request_id, entity_type="AccessRequest", entity_id=self.request_id,
            assignee_id=owner, requested_by_id=person.person_id, title=title[:300], priority=2,
            description=(f"No connector reaches this system: {what} it by hand for {person.user_name}{group}, "
                         f"then complete this item. The access request {self.request_id} follows.")))
