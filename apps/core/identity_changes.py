"""Changes to who a person is (their e-mail, their link to an identity provider, being active, their
roles) and to a tenant's identity-provider configuration: recorded with who made them (through a
SCIM token: also the admin who made the token), as events. apps.core.identity_services says what
they hold back: a decision whose decider's identity a party to it changed since it opened."""
from django.db import models


class IdentityChangeKind(models.TextChoices):
    EMAIL = "email", "e-mail address"
    PROVIDER_LINK = "provider_link", "identity-provider link"
    DEACTIVATED = "deactivated", "deactivated"
    ROLES = "roles", "roles removed"
    PROVIDER_CONFIG = "provider_config", "identity-provider configuration"


# What revokes the person's outstanding one-click links: their links must reach only them.
REVOKES_LINKS = (IdentityChangeKind.EMAIL, IdentityChangeKind.PROVIDER_LINK, IdentityChangeKind.DEACTIVATED,
                 IdentityChangeKind.ROLES)


class IdentityChange(models.Model):
    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey("core.Tenant", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=IdentityChangeKind.choices)
    subject_id = models.CharField(max_length=64, blank=True, default="",
                                  help_text="The person whose identity changed (blank: the tenant's provider).")
    changed_by = models.CharField(max_length=64, help_text="Who made the change (a person, `scim:<token>`, `user:<id>`).")
    on_behalf_of = models.CharField(max_length=64, blank=True, default="",
                                    help_text="Through a SCIM token: the person who made the token.")
    detail = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    confirmed_by = models.CharField(max_length=64, blank=True, default="")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "identity change"
        indexes = [models.Index(fields=["tenant", "subject_id", "created_at"], name="identity_change_subject")]

    @property
    def app_id(self) -> None:  # the outbox's event row: no application
        return None

    def __str__(self) -> str:
        who = self.subject_id or "the tenant's identity provider"
        return f"{self.get_kind_display()} of {who} by {self.changed_by}"
