from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from unfold.admin import ModelAdmin

from apps.core.admin_maps import KeyValueField
from apps.core.principal import STAFF_ROLES
from apps.core.admin_scope import NotFoundOutsideScope, is_unbound_superuser
from apps.core.models import Tenant
from apps.integration.outbound import _resolve as resolve_public

from . import services
from .discovery import ENDPOINTS, check_hand_entered, discover
from .models import IdentityProvider, ProviderLink


class IdentityProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        required=False, strip=True, widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted in the secret store and never shown again; leave blank to keep the current one.")
    role_mapping = KeyValueField(
        values={role: role for role in STAFF_ROLES}, list_values=True, required=False, label="Role mapping",
        key_label="Group", value_label="Role",
        help_text="A row per group of the provider and role its members get (a group with two roles: two rows). "
                  "A user whose groups map to no role cannot sign in.")

    class Meta:
        model = IdentityProvider
        fields = ("tenant", "name", "enabled", "issuer", "client_id", "client_secret", "scopes", "group_claim",
                  "role_mapping", "local_passwords_allowed", "api_audience", "trust_email_matching", *ENDPOINTS)

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("client_secret"):
            self.add_error("client_secret", "The provider's client secret is required.")
        issuer = cleaned.get("issuer")
        if issuer and IdentityProvider.objects.filter(issuer__iexact=issuer).exclude(pk=self.instance.pk).exists():
            self.add_error("issuer", "This issuer is registered to another tenant.")
            return cleaned
        if issuer and all(cleaned.get(name) for name in ENDPOINTS):
            self._check_addresses(cleaned)
            if not any(self.has_error(name) for name in ("issuer", *ENDPOINTS)):
                try:
                    check_hand_entered(issuer, {name: cleaned[name] for name in ENDPOINTS})
                except ValidationError as exc:
                    self.add_error("jwks_uri" if "Key Set" in str(exc) or "signing key" in str(exc) else "issuer", exc)
            return cleaned
        if issuer:
            try:
                resolve_public(issuer, allow_private=settings.SIGNIN_ALLOW_PRIVATE_PROVIDERS)
                found = discover(issuer)
            except ValueError as exc:
                self.add_error("issuer", f"{issuer}: {exc}.")
            except ValidationError as exc:
                self.add_error("issuer", exc)
            else:
                for name in ENDPOINTS:
                    cleaned[name] = cleaned.get(name) or found[name]
                    setattr(self.instance, name, cleaned[name])
        self._check_addresses(cleaned)
        return cleaned

    def _check_addresses(self, cleaned) -> None:
        """The server calls these URLs (anyone's sign-in triggers the token call): not the internal
        network, unless SIGNIN_ALLOW_PRIVATE_PROVIDERS (an identity provider inside it)."""
        for name in ("issuer", *ENDPOINTS):
            if cleaned.get(name) and not self.has_error(name):
                try:
                    resolve_public(cleaned[name], allow_private=settings.SIGNIN_ALLOW_PRIVATE_PROVIDERS)
                except ValueError as exc:
                    self.add_error(name if name in self.fields else None, f"{cleaned[name]}: {exc}.")


def admin_tenant(request) -> str | None:
    """The tenant a tenant admin manages (None for anyone else; unbound superusers see all)."""
    membership = getattr(request.user, "membership", None)
    return membership.tenant_id if membership is not None and "admin" in (membership.roles or []) else None


class TenantAdminsOnly:
    """Superusers see every tenant's rows; a tenant's admins see and change their own tenant's (the rows
    whose `tenant_lookup` is their tenant); nobody else sees the page."""

    tenant_lookup = "tenant_id"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_unbound_superuser(request):
            return qs
        tenant = admin_tenant(request)
        return qs.filter(**{self.tenant_lookup: tenant}) if tenant else qs.none()

    def _may(self, request) -> bool:
        return is_unbound_superuser(request) or admin_tenant(request) is not None

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)

    def has_delete_permission(self, request, obj=None):
        return self._may(request)


@admin.register(IdentityProvider)
class IdentityProviderAdmin(TenantAdminsOnly, NotFoundOutsideScope, ModelAdmin):
    """Superusers manage every tenant's provider; a tenant's admins manage their own."""

    form = IdentityProviderForm
    list_display = ("name", "tenant", "enabled", "issuer", "client_id", "masked_secret", "local_passwords_allowed")
    readonly_fields = ("masked_secret", "updated_at")
    fieldsets = (
        (None, {"fields": ("tenant", "name", "enabled", "local_passwords_allowed", "trust_email_matching")}),
        ("Provider", {"fields": ("issuer", "client_id", "client_secret", "masked_secret", "scopes")}),
        ("Roles", {"fields": ("group_claim", "role_mapping")}),
        ("Service tokens (API)", {"fields": ("api_audience",)}),
        ("Endpoints (blank: read from the issuer's discovery document)", {"fields": ENDPOINTS}),
        (None, {"fields": ("updated_at",)}),
    )

    @admin.display(description="Stored secret")
    def masked_secret(self, obj) -> str:
        if obj is None or not obj.pk:
            return "—"
        return f"••••••••{obj.client_secret_hint}" if obj.client_secret_hint else "•••••••• (set)"

    def get_readonly_fields(self, request, obj=None):
        # The secret is filed under the tenant: a provider does not move to another tenant. Only a
        # superuser may let a provider link accounts by e-mail without an admin's approval.
        fields = (*self.readonly_fields, "tenant") if obj is not None else self.readonly_fields
        return fields if request.user.is_superuser else (*fields, "trust_email_matching")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant")

    def has_add_permission(self, request):
        if is_unbound_superuser(request):
            return True
        tenant = admin_tenant(request)  # one provider per tenant: its admins change the one they have
        return tenant is not None and not IdentityProvider.objects.filter(tenant_id=tenant).exists()

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if not is_unbound_superuser(request) and (tenant := admin_tenant(request)):
            initial.setdefault("tenant", tenant)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tenant" and not is_unbound_superuser(request):
            kwargs["queryset"] = Tenant.objects.filter(id=admin_tenant(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.identity_provider_save(actor=request.user, provider=obj,
                                        client_secret=form.cleaned_data.get("client_secret") or None)


@admin.register(ProviderLink)
class ProviderLinkAdmin(TenantAdminsOnly, NotFoundOutsideScope, ModelAdmin):
    """Sign-ins matched to an existing staff user by e-mail wait here for an admin's approval."""

    list_display = ("email", "provider", "membership", "subject", "created_at", "approved_by", "approved_at")
    list_filter = ("approved_at",)
    readonly_fields = list_display
    fields = list_display
    actions = ("approve",)  # changing is only this action (every field is read-only); refusing is deleting
    tenant_lookup = "provider__tenant_id"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider", "membership__user")

    def has_add_permission(self, request):
        return False

    @admin.action(description="Approve the selected account links")
    def approve(self, request, queryset):
        for link in queryset:
            services.provider_link_approve(actor=request.user, obj=link)
        self.message_user(request, "Approved: those people may now sign in through their provider.", messages.SUCCESS)
