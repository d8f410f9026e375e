"""The indexes PostgreSQL holds, read from its catalog, and whether one serves a column as a search
compares it (tests/scale/searched_columns.py)."""
import re
from dataclasses import dataclass

from django.db import connection

# A fragment (`icontains`, `istartswith`) or a case-blind equality (`iexact`) is `UPPER(col::text) …`: a
# trigram index on that expression serves it (pg_trgm's GIN opclass takes LIKE and, from 1.6, `=`).
TRIGRAM_LOOKUPS = {"icontains", "istartswith", "iexact"}
# An id compared whole: a btree whose key starts with the column, or with the tenant and then the column
# (every staff search is of one tenant).
EXACT_LOOKUPS = {"exact", "in"}
TRIGRAM_OPCLASSES = {"gin_trgm_ops", "gist_trgm_ops"}


@dataclass(frozen=True)
class Index:
    table: str
    name: str
    method: str  # "btree", "gin", …
    keys: tuple[str, ...]  # each key column or expression as pg_get_indexdef prints it
    opclasses: tuple[str, ...]

    def serves(self, column: str, lookup: str) -> bool:
        if lookup in TRIGRAM_LOOKUPS:
            return any(_is_upper_of(key, column) and opclass in TRIGRAM_OPCLASSES
                       for key, opclass in zip(self.keys, self.opclasses))
        if lookup in EXACT_LOOKUPS and self.method == "btree":
            leading = self.keys[1:] if self.keys[:1] == ("tenant_id",) else self.keys
            return leading[:1] == (column,)
        return False


def _is_upper_of(key: str, column: str) -> bool:
    """`upper(col::text)`, `upper((col)::text)` or `upper(col)`, the column quoted or not."""
    return re.fullmatch(rf'upper\(\(?"?{re.escape(column)}"?\)?(::text)?\)', key) is not None


def indexes() -> dict[str, list[Index]]:
    """{table: its indexes} for the tables of the public schema."""
    with connection.cursor() as cur:
        cur.execute("""
            SELECT t.relname, c.relname, am.amname,
                   array(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k ORDER BY k),
                   array(SELECT opc.opcname FROM unnest(i.indclass) WITH ORDINALITY AS u(oid, k)
                         JOIN pg_opclass opc ON opc.oid = u.oid ORDER BY u.k)
            FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_am am ON am.oid = c.relam
            WHERE t.relnamespace = 'public'::regnamespace AND i.indisvalid
        """)
        found: dict[str, list[Index]] = {}
        for table, name, method, keys, opclasses in cur.fetchall():
            found.setdefault(table, []).append(Index(table, name, method, tuple(keys), tuple(opclasses)))
    return found
