"""Timestamps read by psycopg's C parser where the installed psycopg has one.

Django registers its own `timestamptz` loader (psycopg_any.BaseTzLoader) so that values carry the
connection's time zone: a subclass of psycopg's pure-Python loader, which parses every value in
Python. psycopg ships the same loader compiled (psycopg[binary] / psycopg[c]), but a compiled type
cannot be subclassed, so Django's subclass always takes the Python one; a list page reads
hundreds of timestamps.

`CompiledParseTzLoader` is Django's loader with the parsing delegated to psycopg's compiled loader
for the same connection: `load` does what BaseTzLoader.load does (psycopg's parse, then
`replace(tzinfo=self.timezone)`), and it is a BaseTzLoader with the same `timezone`, so Django's
per-cursor check (create_cursor) sees the connection agree and leaves it. Without a compiled
psycopg nothing is registered and Django's loader stays.
"""
from functools import lru_cache

from django.db.backends.postgresql.psycopg_any import BaseTzLoader, get_adapters_template
from psycopg import adapt, adapters
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid


def compiled_loader():
    """psycopg's own text loader for timestamptz, if it is not the pure-Python class."""
    loader = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    return None if loader is None or loader is TimestamptzLoader else loader


class CompiledParseTzLoader(BaseTzLoader):
    compiled = None  # set per subclass

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._parse = self.compiled(oid, context).load

    def load(self, data):
        return self._parse(data).replace(tzinfo=self.timezone)


@lru_cache
def adapters_template(use_tz: bool, timezone) -> adapt.AdaptersMap:
    """Django's adapters template (get_adapters_template), its timestamptz loader parsing in C; the
    template itself when psycopg has no compiled loader."""
    template = get_adapters_template(use_tz, timezone)
    compiled = compiled_loader()
    if compiled is None:
        return template
    loader = type("CompiledParseTzLoader", (CompiledParseTzLoader,),
                  {"timezone": timezone, "compiled": compiled, "__module__": __name__})
    context = adapt.AdaptersMap(template)
    context.register_loader("timestamptz", loader)
    return context
