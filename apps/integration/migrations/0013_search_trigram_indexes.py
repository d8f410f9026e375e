"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the catalog's and the integrations' text
columns: the access systems', entitlements', connectors' (the access system's connector picker searches
their names), applications', API keys' and webhooks'. An application's OAuth client id and a delivery's id are searched
whole, on uniq_app_client_id and the primary key; a delivery's event type is a list filter, not a search
(the deliveries are the fan-out's inserts: no index they do not need). A search by a
term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import analyze, trigram_extension, trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("integration", "0012_search_trigram_drift_findings")]

    operations = [
        trigram_extension(),
        trigram_indexes("integration_accesssystem", "sys", ("name", "description")),
        trigram_indexes("integration_entitlement", "ent", ("name", "description", "target_ref")),
        trigram_indexes("integration_connector", "con", ("name", "provider", "auth_type", "last_error")),
        trigram_indexes("integration_application", "app",
                         ("display_name", "slug", "description", "api_base_path", "primary_domain", "repository")),
        trigram_indexes("integration_integrationapikey", "key",
                         ("name", "prefix", "issued_to_service", "blocked_reason")),
        trigram_indexes("integration_webhook", "whk", ("name", "url", "last_delivery_status")),
        analyze("integration_accesssystem"),
        analyze("integration_entitlement"),
        analyze("integration_connector"),
        analyze("integration_application"),
        analyze("integration_integrationapikey"),
        analyze("integration_webhook"),
    ]
