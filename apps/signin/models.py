"""A tenant's identity provider: OpenID Connect sign-in for its staff, and (optionally) the issuer
of service tokens for its API callers (verified against the provider's JWKS)."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from apps.core.json_shapes import STRING_LIST, ShapedModel
from apps.core.models import Tenant
from apps.core.principal import STAFF_ROLES


def validate_role_mapping(value) -> None:
    """The roles are staff roles (the mapping's shape, an object of lists of strings, is checked first)."""
    for group, roles in value.items():
        unknown = sorted(set(roles) - set(STAFF_ROLES))
        if unknown:
            raise ValidationError(f"Group {group!r}: unknown role(s) {', '.join(unknown)}; "
                                  f"roles are {', '.join(STAFF_ROLES)}.")


def is_platform_issuer(issuer: str) -> bool:
    platform = settings.JWT_ISSUER
    return bool(platform and issuer) and issuer.rstrip("/").lower() == platform.rstrip("/").lower()


class IdentityProvider(ShapedModel, models.Model):
    json_shapes = {"role_mapping": {"type": "object", "additionalProperties": STRING_LIST,
                                    "description": "Group → roles."}}

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="identity_provider")
    name = models.CharField(max_length=80, help_text='Shown on the login page\'s button, e.g. "Okta" gives "Sign in with Okta".')
    enabled = models.BooleanField(default=True, help_text="Show the button and accept sign-ins.")
    issuer = models.URLField(max_length=500, help_text="The provider's issuer URL (the `iss` of its tokens).")
    authorization_endpoint = models.URLField(max_length=500, blank=True, help_text="Blank: from discovery.")
    token_endpoint = models.URLField(max_length=500, blank=True, help_text="Blank: from discovery.")
    userinfo_endpoint = models.URLField(max_length=500, blank=True, help_text="Blank: from discovery.")
    jwks_uri = models.URLField("JWKS URI", max_length=500, blank=True, help_text="Blank: from discovery.")
    client_id = models.CharField("client ID", max_length=255)
    # The secret itself lives in the secret store (apps.integration.secret_store); this is its tail.
    client_secret_hint = models.CharField(max_length=16, blank=True, editable=False)
    scopes = models.CharField(max_length=255, default="openid email profile")
    group_claim = models.CharField(max_length=64, default="groups",
                                   help_text="The claim listing the user's groups (ID token or userinfo).")
    role_mapping = models.JSONField(default=dict, blank=True, validators=[validate_role_mapping],
                                    help_text='Group → roles, e.g. {"it-staff": ["it", "agent"], "hr": ["hr"]}. '
                                              "A user whose groups map to no role cannot sign in.")
    local_passwords_allowed = models.BooleanField(
        default=True, help_text="Off: this tenant's staff sign in only through the provider (superusers "
                                "always keep their password).")
    api_audience = models.CharField(
        "API audience", max_length=255, blank=True,
        help_text="Set to accept the provider's service tokens on the API (verified with its JWKS; "
                  "`aud` must be this value, `iss` the issuer).")
    trust_email_matching = models.BooleanField(
        "trusted for e-mail matching", default=False,
        help_text="Superusers only. On: a first sign-in whose verified e-mail is an existing staff user's is "
                  "linked to that user at once. Off: an admin approves each such link once (Account links).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "identity provider"
        # One issuer speaks for one tenant: a second tenant registering it could sign in as, and
        # verify service tokens for, the first one's people.
        constraints = [models.UniqueConstraint(Lower("issuer"), name="uniq_identity_provider_issuer",
                                               violation_error_message="This issuer is registered to another tenant.")]

    def clean(self):
        super().clean()
        if is_platform_issuer(self.issuer):
            raise ValidationError({"issuer": "This is the platform's own token issuer (JWT_ISSUER): a tenant's "
                                             "provider cannot take it."})

    def __str__(self) -> str:
        return f"{self.name} ({self.tenant_id})"

    def roles_for(self, groups) -> list[str]:
        mapping = self.role_mapping or {}
        return sorted({role for group in groups for role in mapping.get(group, ())})


class ProviderLink(models.Model):
    """A provider's subject (`sub`) tied to an existing staff membership it was matched to by e-mail:
    pending until an admin approves it (or made approved when the provider is trusted for e-mail
    matching); sign-in then finds the membership by the subject."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="links")
    subject = models.CharField(max_length=255)
    membership = models.ForeignKey("core.StaffMembership", on_delete=models.CASCADE, related_name="provider_links")
    email = models.EmailField(max_length=254, help_text="The verified e-mail the provider asserted.")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.CharField(max_length=64, blank=True, default="")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "account link"
        constraints = [models.UniqueConstraint(fields=["provider", "subject"], name="uniq_provider_link_subject")]

    @property
    def tenant_id(self) -> str:
        return self.provider.tenant_id

    def __str__(self) -> str:
        return f"{self.email} at {self.provider.name} → {self.membership.user.username}"
