"""The vendors a Connector may name as its `provider`, and the connector types that reach each.

A vendor that implies a protocol lists the types that speak it (Active Directory is reached over LDAP,
GitHub over SCIM); `manual` fits every vendor (a person does the work in the vendor's console) and
`other` fits every type. Staff pick from this list in the admin; the API refuses anything else (400).
"""
from django.db import models


class Provider(models.TextChoices):
    OKTA = "okta", "Okta"
    ENTRA_ID = "entra_id", "Microsoft Entra ID"
    ACTIVE_DIRECTORY = "active_directory", "Active Directory"
    GOOGLE_WORKSPACE = "google_workspace", "Google Workspace"
    JUMPCLOUD = "jumpcloud", "JumpCloud"
    OPENLDAP = "openldap", "OpenLDAP"
    GITHUB = "github", "GitHub"
    SLACK = "slack", "Slack"
    JIRA = "jira", "Jira (Atlassian)"
    GENERIC_SCIM = "generic_scim", "Another SCIM 2.0 service"
    GENERIC_LDAP = "generic_ldap", "Another LDAP directory"
    BACKOFFICE_LOOPBACK = "backoffice-loopback", "This back office (demo loopback)"
    OTHER = "other", "Other"


MANUAL = "manual"

# The connector types each vendor is reached by, besides `manual`; a vendor not named here takes any type.
REACHED_BY: dict[str, tuple[str, ...]] = {
    Provider.OKTA: ("ldap",),  # Okta's LDAP interface
    Provider.ENTRA_ID: ("scim", "ldap"),  # inbound provisioning (SCIM), Entra Domain Services (LDAP)
    Provider.ACTIVE_DIRECTORY: ("ldap",),
    Provider.GOOGLE_WORKSPACE: ("ldap",),  # Secure LDAP
    Provider.JUMPCLOUD: ("ldap",),
    Provider.OPENLDAP: ("ldap",),
    Provider.GENERIC_LDAP: ("ldap",),
    Provider.GITHUB: ("scim",),
    Provider.SLACK: ("scim",),
    Provider.JIRA: ("scim",),
    Provider.GENERIC_SCIM: ("scim",),
    Provider.BACKOFFICE_LOOPBACK: ("scim",),
}


def provider_misfit(provider: str, type_: str) -> str | None:
    """Why a connector of `type_` cannot reach `provider` (None when it can)."""
    reached_by = REACHED_BY.get(provider)
    if reached_by is None or type_ == MANUAL or type_ in reached_by:
        return None
    label = Provider(provider).label
    return f"{label} is reached by {' or '.join(reached_by)} (or by hand: manual), not {type_}."
