import django.db.models.deletion
from django.db import migrations, models

# The foreign key's own index goes; its constraint stays as it is (AlterField would drop and re-add it,
# validating every delivery under a lock).
INDEX = "integration_webhookdelivery_webhook_id_2b010fe0"


class Migration(migrations.Migration):

    dependencies = [
        ("integration", "0010_admin_list_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="webhookdelivery",
                    name="webhook",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="deliveries", to="integration.webhook"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{INDEX}"',
                                  reverse_sql=f'CREATE INDEX "{INDEX}" ON "integration_webhookdelivery" ("webhook_id")'),
            ],
        ),
    ]
