"""A stored answer to an Idempotency-Key (apps/idempotency): what a retried POST gets back."""
import factory
from django.utils import timezone

from apps.idempotency.models import IdempotentRequest

from .base import ProjectFactory, register


@register
class IdempotentRequestFactory(ProjectFactory):
    principal = factory.Sequence(lambda n: f"person:per_{n}")
    key = factory.Sequence(lambda n: f"key-{n:08d}")
    fingerprint = "0" * 64
    status_code = 201
    content_type = "application/json"
    body = "{}"
    headers = factory.LazyFunction(lambda: {"ETag": '"1"'})
    created_at = factory.LazyFunction(timezone.now)

    class Meta:
        model = IdempotentRequest
