"""Group moved from core to the directory app: the foreign keys follow, in Django's state only
(the table is the same)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0001_directory_from_core'),
        ('lifecycle', '0001_offboarding_cases_and_birthrights'),
    ]

    run_before = [('core', '0014_directory_moves_out')]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='birthrightrule',
                name='group',
                field=models.ForeignKey(blank=True, help_text='Everyone in this group; or leave empty and name a department.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.group'),
            ),
            migrations.AlterField(
                model_name='historicalbirthrightrule',
                name='group',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Everyone in this group; or leave empty and name a department.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.group'),
            ),
            migrations.AlterField(
                model_name='historicalonboardingchecklist',
                name='group',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.group'),
            ),
            migrations.AlterField(
                model_name='onboardingchecklist',
                name='group',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.group'),
            ),
        ], database_operations=[]),
    ]
