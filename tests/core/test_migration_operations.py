"""Migrations that only run SQL never ask for the historical models. A RunPython is handed them, and once an
earlier operation of the same `migrate` has delayed their rendering, Django renders every model of the project
again for each RunPython: a hundred index RunPythons made a fresh `migrate` take minutes instead of seconds."""
import pytest
from django.db import connection
from django.db.migrations import RunPython
from django.db.migrations.loader import MigrationLoader

from apps.core.search_indexes import Analyze, TrigramIndexes

# Data migrations: they read or write rows through the historical models, which is what RunPython is for.
DATA_MIGRATIONS = {
    ("core", "0002_cache_table"),
    ("core", "0003_drop_like_indexes"),
    ("core", "0013_outbox_consumer_progress"),
    ("directory", "0002_content_types_follow"),
    ("integration", "0003_existing_keys_and_webhook_header_secrets"),
    ("integration", "0009_connector_type_and_provider_choices"),
    ("notifications", "0004_fanned_out_marks_become_consumer_progress"),
}


def test_only_data_migrations_run_python():
    migrations = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    running_python = {key for key, migration in migrations.items() if migration.__module__.startswith("apps.")
                      and any(isinstance(operation, RunPython) for operation in migration.operations)}
    assert running_python == DATA_MIGRATIONS


class _NoModels:
    """A migration state whose models must not be touched."""

    @property
    def apps(self):
        raise AssertionError("the operation asked for the historical models")

    def clear_delayed_apps_cache(self):
        raise AssertionError("the operation asked for the historical models")


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_trigram_indexes_are_dropped_and_created_without_the_historical_models():
    operation = TrigramIndexes("helpdesk_ticket", "tkt", ("title",))
    with connection.schema_editor() as editor:
        operation.database_backwards("helpdesk", editor, _NoModels(), _NoModels())
    assert _index_definition("tkt_trgm_title") is None
    with connection.schema_editor() as editor:
        operation.database_forwards("helpdesk", editor, _NoModels(), _NoModels())
        Analyze("helpdesk_ticket").database_forwards("helpdesk", editor, _NoModels(), _NoModels())
    assert "USING gin (upper((title)::text) gin_trgm_ops)" in _index_definition("tkt_trgm_title")


class _SQLiteEditor:
    connection = type("SQLite", (), {"vendor": "sqlite", "alias": "default"})()

    def execute(self, sql, params=()):
        raise AssertionError(f"ran on SQLite: {sql}")


def test_on_sqlite_the_operations_do_nothing():
    for operation in (TrigramIndexes("helpdesk_ticket", "tkt", ("title",)), Analyze("helpdesk_ticket")):
        operation.database_forwards("helpdesk", _SQLiteEditor(), _NoModels(), _NoModels())
        operation.database_backwards("helpdesk", _SQLiteEditor(), _NoModels(), _NoModels())


def _index_definition(name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None
