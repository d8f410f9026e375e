"""Trigram indexes for `icontains` search on PostgreSQL (pg_trgm), declared in migrations.

DRF's SearchFilter and the admin's `?q=` ask `UPPER("col"::text) LIKE UPPER('%term%')` of every searched
column; a GIN index on `upper(col::text) gin_trgm_ops` serves that expression as it is (PostgreSQL
matches the indexed expression), so a search reads the rows that hold the term's trigrams instead of
every row of every tenant. On SQLite these operations do nothing (no pg_trgm; tables there are small).

    operations = [KeptTrigramExtension(), TrigramIndexes("helpdesk_ticket", "tkt", ("number", "title")),
                  Analyze("helpdesk_ticket")]

PostgreSQL keeps statistics of an index's expressions, `upper(col)` here, from the next ANALYZE on; with
them the planner knows how many rows hold a term. Without them it guesses a few, for a term in every row
too, and reads and sorts every matching row of the tenant for one page where walking the list's order
index would have found a page at once. `Analyze` gathers them when the migration runs (a sample of the
table, not a read of it).

These are operations of their own, as django.contrib.postgres's CreateExtension is, not RunPython: a
RunPython is handed the historical models, and once an earlier operation of the same `migrate` has
delayed their rendering, Django renders every model of the project again for each RunPython.
"""
from django.contrib.postgres.operations import TrigramExtension
from django.db import router
from django.db.migrations.operations.base import Operation


class KeptTrigramExtension(TrigramExtension):
    """`CREATE EXTENSION IF NOT EXISTS pg_trgm` (PostgreSQL only). Rolling the migration back keeps it: every
    app's trigram indexes depend on it, and dropping it would fail (or take them all with it)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def _index_name(prefix: str, column: str) -> str:
    return f"{prefix}_trgm_{column}"[:63]


class _PostgresOnlySQL(Operation):
    """SQL run on PostgreSQL only; no change to the migration state, and no use of the historical models."""
    reversible = True
    reduces_to_sql = True

    def state_forwards(self, app_label, state):
        pass

    def _applies(self, app_label, schema_editor) -> bool:
        return (schema_editor.connection.vendor == "postgresql"
                and router.allow_migrate(schema_editor.connection.alias, app_label))

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if self._applies(app_label, schema_editor):
            for statement in self.forwards_sql():
                schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self._applies(app_label, schema_editor):
            for statement in self.backwards_sql():
                schema_editor.execute(statement)

    def forwards_sql(self) -> list[str]:
        raise NotImplementedError

    def backwards_sql(self) -> list[str]:
        return []


class TrigramIndexes(_PostgresOnlySQL):
    """`CREATE INDEX … USING gin (upper(col::text) gin_trgm_ops)`, one per column."""

    def __init__(self, table: str, prefix: str, columns):
        self.table, self.prefix, self.columns = table, prefix, tuple(columns)

    def forwards_sql(self) -> list[str]:
        return [f'CREATE INDEX IF NOT EXISTS "{_index_name(self.prefix, column)}" ON "{self.table}" '
                f'USING gin (upper("{column}"::text) gin_trgm_ops)' for column in self.columns]

    def backwards_sql(self) -> list[str]:
        return [f'DROP INDEX IF EXISTS "{_index_name(self.prefix, column)}"' for column in self.columns]

    def describe(self) -> str:
        return f"Trigram search indexes on {self.table} ({', '.join(self.columns)})"

    @property
    def migration_name_fragment(self) -> str:
        return f"trigram_{self.prefix}"


class DropTrigramIndexes(TrigramIndexes):
    """The indexes TrigramIndexes made, dropped (a column no longer searched by fragment); undone by making them."""

    def forwards_sql(self) -> list[str]:
        return super().backwards_sql()

    def backwards_sql(self) -> list[str]:
        return super().forwards_sql()

    def describe(self) -> str:
        return f"Drop trigram search indexes on {self.table} ({', '.join(self.columns)})"

    @property
    def migration_name_fragment(self) -> str:
        return f"drop_trigram_{self.prefix}"


class Analyze(_PostgresOnlySQL):
    """`ANALYZE table`: statistics for the expressions of its new indexes. Nothing to undo."""

    def __init__(self, table: str):
        self.table = table

    def forwards_sql(self) -> list[str]:
        return [f'ANALYZE "{self.table}"']

    def describe(self) -> str:
        return f"Analyze {self.table}"

