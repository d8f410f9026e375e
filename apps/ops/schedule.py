"""What the scheduler runs, and when. Periods are aligned to the epoch (a job every 60 s runs at
each whole minute, a daily job at `offset` seconds past midnight UTC), so every scheduler agrees
on which tick is due."""
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.management import call_command
from django.utils.module_loading import import_string

MINUTE, DAY = 60, 86_400


@dataclass(frozen=True)
class Job:
    name: str
    every: int  # seconds between ticks
    run: Callable[[], object]
    offset: int = 0  # seconds into each period

    def next_tick(self, now: datetime) -> datetime:
        """The first tick strictly after `now`."""
        ticks = (now.timestamp() - self.offset) // self.every + 1
        return datetime.fromtimestamp(ticks * self.every + self.offset, tz=UTC)

    def lease(self) -> timedelta:
        """How long a run's claim lasts unless its scheduler renews it (it does, every third of
        this, while the run goes on): a dead scheduler's job is free again this soon."""
        return timedelta(seconds=settings.SCHEDULER_LEASE_SECONDS)


def command(name: str, *args: str) -> Callable[[], str]:
    """A management command as a job; its output (last line) becomes the run's summary."""

    def run() -> str:
        out = io.StringIO()
        call_command(name, *args, stdout=out, stderr=out)
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        return " | ".join(lines[-3:])

    run.__name__ = name
    return run


def deliver_pass() -> dict:
    from apps.integration.delivery_engine import run_pass

    return run_pass()


def webhook_backlog_retention() -> int:
    from apps.integration.breaker import expire_backlog

    return expire_backlog()


def notify_pass() -> dict:
    from apps.notifications.engine import run_pass

    return run_pass()


def digest_pass() -> dict:
    from apps.notifications.engine import run_pass

    return run_pass(digests=True)


def provisioning_sweep() -> int:
    from apps.operations.provisioning import provisioning_sweep as sweep

    return sweep()


def dashboard_charts() -> int:
    from apps.helpdesk.dashboard_charts import refresh_all

    return refresh_all()


def lifecycle_sweep() -> dict:
    from apps.lifecycle.sweep import lifecycle_sweep as sweep

    return sweep()


def reclaim_tasks() -> int:
    from apps.ops.workers import task_results_reclaim

    return task_results_reclaim()


def default_jobs() -> list[Job]:
    return [
        Job("deliver_webhooks", settings.SCHEDULER_DELIVER_SECONDS, deliver_pass),
        # Retention is counted in days: an hourly look at stopped webhooks' backlogs, not one per pass.
        Job("webhook_backlog_retention", 3600, webhook_backlog_retention, offset=1200),
        Job("send_notifications", settings.SCHEDULER_NOTIFY_SECONDS, notify_pass),
        Job("notification_digests", DAY, digest_pass, offset=settings.NOTIFY_DIGEST_HOUR * 3600),
        Job("sla_sweep", MINUTE, command("sla_sweep")),
        Job("dashboard_charts", 5 * MINUTE, dashboard_charts),
        Job("approvals_sweep", MINUTE, command("approvals_sweep", "--remind-within", "240")),
        Job("expire_access", MINUTE, command("expire_access")),
        Job("provisioning_sweep", MINUTE, provisioning_sweep),
        Job("lifecycle_sweep", MINUTE, lifecycle_sweep),
        Job("sync_connectors", settings.SCHEDULER_CONNECTOR_SYNC_SECONDS, command("sync_connector", "--all")),
        Job("connector_credentials", 3600, command("connector_credentials"), offset=300),
        Job("policy_campaign_reminders", 15 * MINUTE, command("policy_campaign_reminders")),
        Job("access_reviews_sweep", 15 * MINUTE, command("reviews_sweep")),
        Job("policies_review_due", DAY, command("policies_review_due"), offset=6 * 3600),
        Job("purge_deleted", DAY, command("purge_deleted", "--older-than", str(settings.PURGE_DELETED_AFTER_DAYS)),
            offset=3 * 3600),
        Job("prune_idempotency_keys", 3600, command("prune_idempotency_keys"), offset=600),
        Job("purge_outbox", DAY, command("purge_outbox"), offset=3 * 3600 + 900),
        *([Job("prune_task_results", DAY, command("prune_db_task_results", "--min-age-days", "7"),
               offset=3 * 3600 + 1800), Job("reclaim_tasks", MINUTE, reclaim_tasks)]
          if tasks_in_database() else []),  # RQ's results expire, and RQ fails a dead worker's jobs itself
    ]


def tasks_in_database() -> bool:
    return settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def configured_jobs() -> list[Job]:
    return import_string(settings.SCHEDULER_JOBS)()
