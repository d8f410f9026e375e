from django.db import models


class ScheduledJob(models.Model):
    """One row per periodic job: the claim on its next tick and how its last run went.

    A scheduler runs a job only by moving `next_run_at` past now in one conditional UPDATE, so
    any number of schedulers (on PostgreSQL or SQLite) run each tick once. `running_until` is the
    lease of the run in progress: a scheduler killed mid-run leaves it to expire.
    """

    name = models.CharField(primary_key=True, max_length=64)
    next_run_at = models.DateTimeField()
    running_until = models.DateTimeField(null=True, blank=True)
    owner = models.CharField(max_length=128, blank=True, default="")
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_succeeded_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    run_count = models.PositiveBigIntegerField(default=0)
    failure_count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
