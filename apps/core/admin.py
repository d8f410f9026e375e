from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from unfold.admin import ModelAdmin, StackedInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget

from .admin_base import TenantLogAdmin

from .admin_scope import NotFoundOutsideScope
from .admin_people import PersonPicker, known_people
from .identity_changes import IdentityChangeKind
from .identity_services import identity_change_record
from .models import Event, StaffMembership, Tenant
from .principal import STAFF_ROLES

admin.site.unregister(User)
admin.site.unregister(Group)


class MembershipForm(forms.ModelForm):
    """Roles ticked from the staff roles, not typed as JSON; a role the membership already holds
    (from a provider's role mapping, say) stays offered, so saving the page never drops it."""

    roles = forms.MultipleChoiceField(required=False, widget=UnfoldAdminCheckboxSelectMultipleWidget)

    class Meta:
        model = StaffMembership
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        held = [str(r) for r in (self.instance.roles or [])] if self.instance.pk else []
        self.fields["roles"].choices = [(role, role) for role in dict.fromkeys([*STAFF_ROLES, *held])]
        self.initial["roles"] = held
        if self.instance.pk:  # the tenant is known: the person is picked from its directory, by name
            self.fields["person_id"].widget = PersonPicker(tenant_id=self.instance.tenant_id)
            self.fields["person_id"].label = "Person"

    def clean_person_id(self):
        """A changed person must be an active person (or staff member) of the membership's tenant."""
        value = self.cleaned_data.get("person_id")
        tenant = self.cleaned_data.get("tenant") or (self.instance.tenant if self.instance.pk else None)
        if self.instance.pk and value and value != self.instance.person_id and tenant is not None \
                and value not in known_people(tenant.pk, {value}):
            raise forms.ValidationError(f"Not an active person of {tenant.pk}: {value}.")
        return value


class MembershipInline(StackedInline):
    model = StaffMembership
    form = MembershipForm
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(NotFoundOutsideScope, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    inlines = [MembershipInline]
    # What a staff member may do follows from the membership's roles, never from Django's groups and
    # permission rows: the page does not offer those.
    fieldsets = [(name, {**options, "fields": [f for f in options["fields"] if f not in ("groups", "user_permissions")]})
                 for name, options in BaseUserAdmin.fieldsets]
    list_display = ("username", "email", "is_staff", "is_superuser", "tenant")
    list_select_related = ("membership",)

    def save_model(self, request, obj, form, change):
        """A staff user's e-mail is where their links go: changing it is an identity change."""
        super().save_model(request, obj, form, change)
        membership = getattr(obj, "membership", None)
        if change and "email" in form.changed_data and membership is not None:
            identity_change_record(tenant_id=membership.tenant_id, kind=IdentityChangeKind.EMAIL, actor=request.user,
                                   subject_id=membership.person_id, detail=f"staff user {obj.username}: e-mail changed")

    def save_formset(self, request, form, formset, change):
        """Roles taken away are an identity change (the person's outstanding links are revoked)."""
        for inline in formset.forms:
            if inline.instance.pk and "roles" in inline.changed_data:
                removed = set(inline.initial.get("roles") or ()) - set(inline.cleaned_data.get("roles") or ())
                if removed:
                    identity_change_record(tenant_id=inline.instance.tenant_id, kind=IdentityChangeKind.ROLES,
                                           actor=request.user, subject_id=inline.instance.person_id,
                                           detail=f"removed: {', '.join(sorted(removed))}")
        super().save_formset(request, form, formset, change)

    @admin.display(description="Tenant")
    def tenant(self, user):
        membership = getattr(user, "membership", None)
        return membership.tenant_id if membership else "—"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        membership = getattr(request.user, "membership", None)
        return qs.filter(membership__tenant_id=membership.tenant_id) if membership else qs.none()


@admin.register(Tenant)
class TenantAdmin(ModelAdmin):
    list_display = ("id", "name", "created_at")
    search_fields = ("id__exact", "name")

    def has_module_permission(self, request):
        return request.user.is_superuser


@admin.register(Event)
class EventAdmin(TenantLogAdmin):
    """The outbox."""

    person_columns = ("actor_id",)

    list_display = ("type", "entity_id", "actor_id", "created_at")
    list_filter = ("type",)
    search_fields = ("entity_id__exact", "type__exact")


from . import admin_identity  # noqa: E402,F401  (identity changes, confirmed by a second admin)
