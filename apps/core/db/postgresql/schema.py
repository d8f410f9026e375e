"""Schema editor that creates no `<index>_like` companion indexes.

For every indexed or unique varchar/text column Django's PostgreSQL backend adds a second index
with `varchar_pattern_ops`, which serves only case-sensitive prefix LIKE (`__startswith`,
`__contains` on a C-collation-less database). Nothing here filters that way — search is
`icontains` (UPPER(...) LIKE), ids and tenants are compared exactly — so each of those indexes
is pure write cost: 10 of the 34 index entries a ticket create writes (ticket, its history row
and its outbox event). Migration core.0003 drops the ones existing databases already have.
"""
from django.db.backends.postgresql import schema


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _create_like_index_sql(self, model, field):
        return None
