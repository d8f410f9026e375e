"""Group moved from core to the directory app: the foreign keys follow, in Django's state only
(the table is the same)."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0001_directory_from_core'),
        ('policies', '0006_member_row_indexes'),
    ]

    run_before = [('core', '0014_directory_moves_out')]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='acknowledgementcampaign',
                name='groups',
                field=models.ManyToManyField(blank=True, help_text="With audience 'groups': their active members (now, not at launch).", related_name='acknowledgement_campaigns', to='directory.group'),
            ),
        ], database_operations=[]),
    ]
