"""Timestamps parsed by psycopg's compiled loader give exactly what Django's own loader gives."""
import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

from apps.core.db.postgresql.timestamps import TIMESTAMPTZ_OID, CompiledParseTzLoader, compiled_loader
from tests.conftest import postgres_only

pytestmark = [postgres_only, pytest.mark.django_db]

SAMPLES = [
    "2026-03-04 05:06:07.123456+00", "2026-03-04 05:06:07+00", "2026-03-04 05:06:07.5+05:30",
    "2026-03-29 01:30:00-09:30", "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00",
    "2024-02-29 12:00:00.000001+14", "1970-01-01 00:00:00+00",
]


class DjangoUtcLoader(BaseTzLoader):
    timezone = datetime.timezone.utc


def outcome(loader, wire: bytes):
    """The value with its time zone and type, or the error class (the two parsers word it apart)."""
    try:
        value = loader.load(wire)
    except Exception as exc:  # e.g. year 1 in a zone west of UTC reads as 1 BC: both refuse it
        return type(exc)
    return value, value.tzinfo, type(value)


def loaders():
    connection.ensure_connection()
    ours = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    return ours(TIMESTAMPTZ_OID, connection.connection), DjangoUtcLoader(TIMESTAMPTZ_OID, connection.connection)


def test_the_connection_parses_timestamps_in_c():
    assert compiled_loader() is not None, "psycopg[binary] is pinned: its compiled loader should exist"
    ours, _ = loaders()
    assert isinstance(ours, CompiledParseTzLoader) and ours.timezone is connection.timezone


@pytest.mark.parametrize("session_zone", ["UTC", "Europe/Berlin", "America/St_Johns"])
def test_every_value_is_the_one_django_would_read(session_zone):
    with connection.cursor() as cur:
        cur.execute("SET TIME ZONE %s" % connection.ops.quote_name(session_zone).replace('"', "'"))
        try:
            ours, django_loader = loaders()
            for text in SAMPLES:
                cur.execute("SELECT %s::timestamptz::text", [text])
                wire = cur.fetchone()[0].encode()  # the value as the server sends it in this session
                assert outcome(ours, wire) == outcome(django_loader, wire), text
        finally:
            cur.execute("SET TIME ZONE 'UTC'")


def test_rows_read_through_the_orm_carry_the_connection_time_zone():
    with connection.cursor() as cur:
        cur.execute("SELECT '2026-03-04 05:06:07.123456+02'::timestamptz")
        value = cur.fetchone()[0]
    assert value == datetime.datetime(2026, 3, 4, 3, 6, 7, 123456, tzinfo=datetime.UTC)
    assert value.tzinfo is connection.timezone and settings.USE_TZ
