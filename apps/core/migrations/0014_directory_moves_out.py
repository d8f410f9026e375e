"""The directory's models left core for apps/directory (its migrations/0001 takes them over): Django's
state only; the tables stay, under their old names."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0001_directory_from_core'),
        ('core', '0013_outbox_consumer_progress'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(
                name='DirectorySettings',
            ),
            migrations.RemoveField(
                model_name='group',
                name='members',
            ),
            migrations.DeleteModel(
                name='HistoricalDirectorySettings',
            ),
            migrations.DeleteModel(
                name='HistoricalGroup',
            ),
            migrations.RemoveField(
                model_name='historicalperson',
                name='manager',
            ),
            migrations.DeleteModel(
                name='HistoricalScimToken',
            ),
            migrations.RemoveField(
                model_name='person',
                name='manager',
            ),
            migrations.DeleteModel(
                name='ScimToken',
            ),
            migrations.DeleteModel(
                name='Group',
            ),
            migrations.DeleteModel(
                name='HistoricalPerson',
            ),
            migrations.DeleteModel(
                name='Person',
            ),
        ], database_operations=[]),
    ]
