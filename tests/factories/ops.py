"""The scheduler's jobs (no tenant: one row per periodic job)."""
import factory
from django.utils import timezone

from apps.ops.models import ScheduledJob

from .base import ProjectFactory, register


@register
class ScheduledJobFactory(ProjectFactory):
    _tenant_key = None
    name = factory.Sequence(lambda n: f"job-{n}")
    next_run_at = factory.LazyFunction(timezone.now)

    class Meta:
        model = ScheduledJob
