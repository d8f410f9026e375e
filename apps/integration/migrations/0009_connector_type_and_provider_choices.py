"""Connector `type` and `provider` become choices. Existing rows are mapped (history rows stay as written):
- a type no implementation serves becomes `manual` (no connector acted on it: build() refused it);
- a provider is matched by its spelling (case, spaces and dashes aside, and a few common names),
  else it becomes `other`;
- a provider whose protocol the (working) type does not speak becomes `other`: the type is what acts.
The sets below are this migration's own (as of writing), not read from the live registry."""
import apps.integration.connectors.registry
from django.db import migrations, models

TYPES = {"ldap", "scim", "manual"}
PROVIDERS = {"okta", "entra_id", "active_directory", "google_workspace", "jumpcloud", "openldap", "github", "slack",
             "jira", "generic_scim", "generic_ldap", "backoffice-loopback", "other"}
ALIASES = {"azure_ad": "entra_id", "azure": "entra_id", "entra": "entra_id", "ad": "active_directory",
           "google": "google_workspace", "gsuite": "google_workspace", "scim": "generic_scim",
           "scim2_server": "generic_scim", "ldap": "generic_ldap", "backoffice_loopback": "backoffice-loopback"}
REACHED_BY = {"okta": {"ldap"}, "entra_id": {"scim", "ldap"}, "active_directory": {"ldap"},
              "google_workspace": {"ldap"}, "jumpcloud": {"ldap"}, "openldap": {"ldap"}, "generic_ldap": {"ldap"},
              "github": {"scim"}, "slack": {"scim"}, "jira": {"scim"}, "generic_scim": {"scim"},
              "backoffice-loopback": {"scim"}}


def known_provider(raw: str) -> str:
    spelt = (raw or "").strip().lower().replace(" ", "_").replace("-", "_")
    if raw in PROVIDERS:
        return raw
    found = ALIASES.get(spelt, spelt)
    return found if found in PROVIDERS else "other"


def map_known_values(apps, schema_editor):
    Connector = apps.get_model("integration", "Connector")
    for row in Connector._base_manager.only("id", "type", "provider").iterator():
        type_ = row.type if row.type in TYPES else "manual"
        provider = known_provider(row.provider)
        if type_ != "manual" and provider in REACHED_BY and type_ not in REACHED_BY[provider]:
            provider = "other"
        if (type_, provider) != (row.type, row.provider):
            Connector._base_manager.filter(pk=row.pk).update(type=type_, provider=provider)


class Migration(migrations.Migration):

    dependencies = [
        ('integration', '0008_drift_findings'),
    ]

    operations = [
        migrations.RunPython(map_known_values, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='connector',
            name='provider',
            field=models.CharField(choices=[('okta', 'Okta'), ('entra_id', 'Microsoft Entra ID'), ('active_directory', 'Active Directory'), ('google_workspace', 'Google Workspace'), ('jumpcloud', 'JumpCloud'), ('openldap', 'OpenLDAP'), ('github', 'GitHub'), ('slack', 'Slack'), ('jira', 'Jira (Atlassian)'), ('generic_scim', 'Another SCIM 2.0 service'), ('generic_ldap', 'Another LDAP directory'), ('backoffice-loopback', 'This back office (demo loopback)'), ('other', 'Other')], help_text='The vendor of the target; it decides which types can reach it.', max_length=64),
        ),
        migrations.AlterField(
            model_name='connector',
            name='type',
            field=models.CharField(choices=apps.integration.connectors.registry.connector_type_choices, help_text='The implementation that acts on the target.', max_length=64),
        ),
        migrations.AlterField(
            model_name='historicalconnector',
            name='provider',
            field=models.CharField(choices=[('okta', 'Okta'), ('entra_id', 'Microsoft Entra ID'), ('active_directory', 'Active Directory'), ('google_workspace', 'Google Workspace'), ('jumpcloud', 'JumpCloud'), ('openldap', 'OpenLDAP'), ('github', 'GitHub'), ('slack', 'Slack'), ('jira', 'Jira (Atlassian)'), ('generic_scim', 'Another SCIM 2.0 service'), ('generic_ldap', 'Another LDAP directory'), ('backoffice-loopback', 'This back office (demo loopback)'), ('other', 'Other')], help_text='The vendor of the target; it decides which types can reach it.', max_length=64),
        ),
        migrations.AlterField(
            model_name='historicalconnector',
            name='type',
            field=models.CharField(choices=apps.integration.connectors.registry.connector_type_choices, help_text='The implementation that acts on the target.', max_length=64),
        ),
    ]
