"""A POST or PATCH answered under an `Idempotency-Key`: what a retry with the same key gets back."""
from django.db import models

from apps.core.json_shapes import STRING_MAP, ShapedModel


class IdempotentRequest(ShapedModel, models.Model):
    json_shapes = {"headers": {**STRING_MAP, "description": "The kept response headers (services.KEPT_HEADERS)."}}

    tenant_id = models.CharField(max_length=64)
    # Who sent it: a key belongs to one caller (person, application and API key), never to the tenant.
    principal = models.CharField(max_length=255)
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path, query and canonical JSON body: a reuse with another request is a 422.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.TextField()
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_id", "principal", "key"], name="idem_caller_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
