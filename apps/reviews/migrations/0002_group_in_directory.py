"""Group moved from core to the directory app: the foreign keys follow, in Django's state only
(the table is the same)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0001_directory_from_core'),
        ('reviews', '0001_access_reviews'),
    ]

    run_before = [('core', '0014_directory_moves_out')]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='historicalreviewcampaign',
                name='group',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Only grants held by members of this group.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.group'),
            ),
            migrations.AlterField(
                model_name='reviewcampaign',
                name='group',
                field=models.ForeignKey(blank=True, help_text='Only grants held by members of this group.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.group'),
            ),
        ], database_operations=[]),
    ]
