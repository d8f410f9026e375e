"""PostgreSQL schema: migration core.0003 drops the `_like` (varchar_pattern_ops) indexes of the
project's tables only; hot statements are prepared."""
import importlib

import pytest
from django.apps import apps
from django.db import connection

from tests.conftest import postgres_only

pytestmark = [pytest.mark.django_db, postgres_only]
drop_like_indexes = importlib.import_module("apps.core.migrations.0003_drop_like_indexes").drop_like_indexes


def pattern_indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
                       " AND indexdef LIKE '%%pattern_ops%%' ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


def test_the_migration_drops_left_over_like_indexes_of_project_tables_only():
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX helpdesk_ticket_title_0000_like ON helpdesk_ticket (title varchar_pattern_ops)")
        cursor.execute("CREATE INDEX core_event_type_0000_like ON core_event (type varchar_pattern_ops)")
        cursor.execute("CREATE INDEX auth_user_username_0000_like ON auth_user (username varchar_pattern_ops)")
        cursor.execute("CREATE INDEX helpdesk_ticket_title_plain_like ON helpdesk_ticket (title)")
    with connection.schema_editor() as editor:
        drop_like_indexes(apps, editor)
    left = pattern_indexes()
    assert "helpdesk_ticket_title_0000_like" not in left and "core_event_type_0000_like" not in left
    # auth_user is Django's; an index named _like that is not a pattern index is not ours to drop.
    assert "auth_user_username_0000_like" in left
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'helpdesk_ticket_title_plain_like'")
        assert cursor.fetchone()


def test_hot_statements_are_prepared():
    """Django never prepares by default (prepare_threshold None); settings ask psycopg to prepare a
    statement from its fifth run on a connection, so PostgreSQL stops parsing hot API queries (it plans
    each run with its values: plan_cache_mode, tests/scale/test_search.py)."""
    from apps.helpdesk.models import Ticket

    for _ in range(6):
        list(Ticket.objects.filter(tenant_id="acme", status="open")[:5])
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['%FROM "helpdesk_ticket" WHERE%'])
        assert cursor.fetchall()
