"""Trigram indexes for `icontains` search on PostgreSQL (pg_trgm), declared in migrations.

DRF's SearchFilter and the admin's `?q=` ask `UPPER("col"::text) LIKE UPPER('%term%')` of every searched
column; a GIN index on `upper(col::text) gin_trgm_ops` serves that expression as it is (PostgreSQL
matches the indexed expression), so a search reads the rows that hold the term's trigrams instead of
every row of every tenant. On SQLite these operations do nothing (no pg_trgm; tables there are small).

    operations = [trigram_extension(), *trigram_indexes("helpdesk_ticket", "tkt", ("number", "title")),
                  analyze("helpdesk_ticket")]

PostgreSQL keeps statistics of an index's expressions, `upper(col)` here, from the next ANALYZE on; with
them the planner knows how many rows hold a term. Without them it guesses a few, for a term in every row
too, and reads and sorts every matching row of the tenant for one page where walking the list's order
index would have found a page at once. `analyze` gathers them when the migration runs (a sample of the
table, not a read of it).
"""
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class _KeptTrigramExtension(TrigramExtension):
    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass  # other apps' trigram indexes depend on it


def trigram_extension():
    """`CREATE EXTENSION IF NOT EXISTS pg_trgm` (PostgreSQL only). Rolling the migration back keeps it: every
    app's trigram indexes depend on it, and dropping it would fail (or take them all with it)."""
    return _KeptTrigramExtension()


def _index_name(prefix: str, column: str) -> str:
    return f"{prefix}_trgm_{column}"[:63]


def trigram_indexes(table: str, prefix: str, columns) -> list:
    """One RunPython per column (PostgreSQL only): `CREATE INDEX … USING gin (upper(col::text) gin_trgm_ops)`."""

    def forwards_for(column):
        def forwards(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{_index_name(prefix, column)}" ON "{table}" '
                                      f'USING gin (upper("{column}"::text) gin_trgm_ops)')
        return forwards

    def backwards_for(column):
        def backwards(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(f'DROP INDEX IF EXISTS "{_index_name(prefix, column)}"')
        return backwards

    return [migrations.RunPython(forwards_for(c), backwards_for(c), elidable=False) for c in columns]


def analyze(table: str):
    """A RunPython (PostgreSQL only) that ANALYZEs `table`: statistics for the expressions of its new indexes."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ANALYZE "{table}"')

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)
