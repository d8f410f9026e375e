"""Trigram indexes (PostgreSQL only; apps/core/search_indexes.py) for the catalog's and the integrations' text
columns: the access systems', entitlements', connectors' (the access system's connector picker searches
their names), applications', API keys' and webhooks'. An application's OAuth client id and a delivery's id are searched
whole, on uniq_app_client_id and the primary key; a delivery's event type is a list filter, not a search
(the deliveries are the fan-out's inserts: no index they do not need). A search by a
term few rows hold reads those rows, not the tenant's."""
from django.db import migrations

from apps.core.search_indexes import Analyze, KeptTrigramExtension, TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("integration", "0012_search_trigram_drift_findings")]

    operations = [
        KeptTrigramExtension(),
        TrigramIndexes("integration_accesssystem", "sys", ("name", "description")),
        TrigramIndexes("integration_entitlement", "ent", ("name", "description", "target_ref")),
        TrigramIndexes("integration_connector", "con", ("name", "provider", "auth_type", "last_error")),
        TrigramIndexes("integration_application", "app",
                         ("display_name", "slug", "description", "api_base_path", "primary_domain", "repository")),
        TrigramIndexes("integration_integrationapikey", "key",
                         ("name", "prefix", "issued_to_service", "blocked_reason")),
        TrigramIndexes("integration_webhook", "whk", ("name", "url", "last_delivery_status")),
        Analyze("integration_accesssystem"),
        Analyze("integration_entitlement"),
        Analyze("integration_connector"),
        Analyze("integration_application"),
        Analyze("integration_integrationapikey"),
        Analyze("integration_webhook"),
    ]
