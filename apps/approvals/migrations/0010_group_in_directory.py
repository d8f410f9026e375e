"""Group moved from core to the directory app: the foreign keys follow, in Django's state only
(the table is the same)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0009_approval_reminder_sweep_index'),
        ('directory', '0001_directory_from_core'),
    ]

    run_before = [('core', '0014_directory_moves_out')]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='approvalstep',
                name='approver_group',
                field=models.ForeignKey(blank=True, db_constraint=False, editable=False, help_text='A group step: any active member who is not a party may decide.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.group'),
            ),
            migrations.AlterField(
                model_name='historicalapprovalstep',
                name='approver_group',
                field=models.ForeignKey(blank=True, db_constraint=False, editable=False, help_text='A group step: any active member who is not a party may decide.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.group'),
            ),
        ], database_operations=[]),
    ]
