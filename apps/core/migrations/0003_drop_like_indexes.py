"""Drop the `_like` (varchar_pattern_ops) indexes Django adds to indexed text columns of the
project's tables as they stood at this migration: nothing filters by case-sensitive prefix, so they
only cost writes. PostgreSQL only."""
from django.db import migrations

PROJECT_APPS = ("core", "helpdesk", "operations", "approvals", "policies", "integration")


def drop_like_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    tables = sorted({m._meta.db_table for m in apps.get_models() if m._meta.app_label in PROJECT_APPS})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname FROM pg_indexes i WHERE i.schemaname = current_schema()"
            " AND i.tablename = ANY(%s) AND i.indexname LIKE %s AND i.indexdef LIKE %s",
            [tables, r"%\_like", "%pattern_ops%"],
        )
        names = [row[0] for row in cursor.fetchall()]
        for name in names:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_cache_table"),
        ("helpdesk", "0003_list_indexes"),
        ("operations", "0003_list_indexes"),
        ("approvals", "0001_initial"),
        ("policies", "0001_initial"),
        ("integration", "0001_initial"),
    ]

    operations = [migrations.RunPython(drop_like_indexes, migrations.RunPython.noop, elidable=True)]
