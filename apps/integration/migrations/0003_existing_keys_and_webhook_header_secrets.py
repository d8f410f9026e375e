"""Existing rows under the new rules.

Keys: only tenant admins (or the system) could make one, so each acts with roles ["admin"]; a
key without an application was acting tenant-wide and is now marked so (visible in the API and
the admin). Webhooks: custom header values move into the secret store beside the signing secret,
the record, its history and its past events keep masks; past key events lose key_hash.
"""
from django.db import migrations

MASK = "••••"


def forwards(apps, schema_editor):
    from apps.integration.secret_store import secret_store

    IntegrationApiKey = apps.get_model("integration", "IntegrationApiKey")
    Webhook = apps.get_model("integration", "Webhook")
    HistoricalWebhook = apps.get_model("integration", "HistoricalWebhook")
    Event = apps.get_model("core", "Event")

    IntegrationApiKey.objects.filter(creator_roles=[]).update(creator_roles=["admin"])
    IntegrationApiKey.objects.filter(application__isnull=True).update(tenant_wide=True)

    for webhook in Webhook.objects.exclude(headers={}).iterator():
        values = {k: v for k, v in (webhook.headers or {}).items() if v != MASK}
        if not values or not webhook.vault_path:
            continue
        stored = secret_store().get(webhook.vault_path) or {}
        secret_store().put(webhook.vault_path, {**stored, "headers": {**(stored.get("headers") or {}), **values}})
        Webhook.objects.filter(pk=webhook.pk).update(headers={k: MASK for k in webhook.headers})
    for row in HistoricalWebhook.objects.exclude(headers={}).iterator():
        masked = {k: MASK for k in (row.headers or {})}
        if masked != row.headers:
            HistoricalWebhook.objects.filter(pk=row.pk).update(headers=masked)

    for event in Event.objects.filter(entity_type="integration.Webhook").iterator():
        headers = (event.payload or {}).get("headers") if isinstance(event.payload, dict) else None
        if isinstance(headers, dict) and any(v != MASK for v in headers.values()):
            Event.objects.filter(pk=event.pk).update(payload={**event.payload, "headers": {k: MASK for k in headers}})
    for event in Event.objects.filter(entity_type="integration.IntegrationApiKey").iterator():
        if isinstance(event.payload, dict) and {"key_hash", "key_fingerprint"} & set(event.payload):
            payload = {k: v for k, v in event.payload.items() if k not in ("key_hash", "key_fingerprint")}
            Event.objects.filter(pk=event.pk).update(payload=payload)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_drop_like_indexes"),
        ("integration", "0002_api_key_reach_rate_counter_masked_headers"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
