"""Admin scoping: who the admin user acts as (their membership's tenant and roles, or a superuser of
no tenant acting for the record's), which rows they see, and choices that stay inside the tenant."""
import time

from django.db.models import Q
from django.http import Http404

from .admin_scale import scale_safe_filters
from .admin_words import swap_people
from .models import TenantModel
from .principal import Principal

def is_unbound_superuser(request) -> bool:
    """A superuser who belongs to no tenant: sees every tenant, picks one for each write."""
    user = request.user
    return user.is_authenticated and user.is_superuser and getattr(user, "membership", None) is None


def requested_tenant(request) -> str | None:
    return request.GET.get("tenant_id") or request.GET.get("tenant_id__exact") or None


SIGNED_IN_AT = "signed_in_at"  # session key: when this session signed in (epoch seconds)


def mark_signed_in(sender, *, request, user, **kwargs) -> None:
    """user_logged_in receiver (apps.signin): decisions that need a fresh sign-in read it."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()


def signed_in_at(request) -> float | None:
    session = getattr(request, "session", None)
    return session.get(SIGNED_IN_AT) if session is not None else None


def narrow_choices_to_tenant(form, request, obj):
    """A superuser's choices on `form`: the record's tenant, or the one the add page was opened for
    (?tenant=). Call it on the final form class: a ModelForm subclass builds its fields anew."""
    tenant = obj.tenant_id if obj is not None else request.GET.get("tenant")
    if tenant and is_unbound_superuser(request):
        for field in form.base_fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and issubclass(queryset.model, TenantModel):
                field.queryset = queryset.filter(tenant_id=tenant)
    return form


def principal_for(request, obj=None, *, tenant_id: str | None = None) -> Principal | None:
    """The admin user as a Principal: its membership's tenant and roles, or (a superuser of no
    tenant) an admin of the object's, the chosen or the filtered tenant. None: it may see nothing."""
    user = request.user
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    if membership is not None:
        return Principal(
            person_id=membership.person_id, tenant_id=membership.tenant_id,
            roles=frozenset(membership.roles or []), source_type="backend",
            extra={"signed_in_at": signed_in_at(request)},
        )
    if is_unbound_superuser(request):
        tenant = tenant_id or getattr(obj, "tenant_id", None) or requested_tenant(request)
        if tenant:
            return Principal(person_id=f"admin:{user.username}", tenant_id=tenant, roles=frozenset({"admin"}),
                             source_type="backend")
    return None


def tenant_has_its_one(model, tenant_id: str) -> bool:
    """The model's own constraint says a tenant has at most one row (its settings), and it has it."""
    for constraint in model._meta.constraints:
        if tuple(getattr(constraint, "fields", ())) != ("tenant_id",):
            continue
        condition = getattr(constraint, "condition", None)
        if condition is None:
            return model.all_objects.filter(tenant_id=tenant_id).exists()
        if condition == Q(is_deleted=False):
            return model.objects.filter(tenant_id=tenant_id).exists()
    return False


class NotFoundOutsideScope:
    """A record outside the user's queryset (another tenant's, not theirs) is a 404 on every page,
    never Django's redirect with "perhaps it was deleted", which would confirm it exists."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404("No such record in your tenant.")


class TenantScopeMixin:
    """For a TenantAdmin: the tenant's rows, a superuser's tenant column and filter, choices inside the tenant."""

    def get_queryset(self, request):
        # Ordered as Django's ModelAdmin.get_queryset orders: record pickers page through these rows.
        qs = self.model.objects.all()
        if ordering := self.get_ordering(request):
            qs = qs.order_by(*ordering)
        if is_unbound_superuser(request):
            return qs
        principal = principal_for(request)
        if principal is None:
            return qs.none()
        return qs.visible_to(principal)

    # Staff rights come from the tenant membership's roles, not Django model permissions. The sidebar

    # Superusers of no tenant see every tenant's rows: say which is which, and let them narrow.
    def get_list_display(self, request):
        columns = swap_people(super().get_list_display(request), self.model)
        if is_unbound_superuser(request) and "tenant_id" not in columns:
            columns.insert(1, "tenant_id")
        return columns

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if is_unbound_superuser(request) and "tenant_id" not in filters:
            filters.insert(0, "tenant_id")
        return scale_safe_filters(self.model, filters)

    # -- choices stay inside the tenant ---------------------------------------------------
    def related_choices(self, request, model):
        """The rows of `model` this user may pick in a form: what they may see of their tenant."""
        if not issubclass(model, TenantModel):
            return None
        if is_unbound_superuser(request):
            return model.objects.all()  # narrowed to the record's tenant in get_form, checked on save
        principal = principal_for(request)
        return model.objects.visible_to(principal) if principal else model.objects.none()


    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self.related_choices(request, db_field.related_model)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = self.related_choices(request, db_field.related_model)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def chooses_tenant(self, request, obj=None) -> bool:
        return obj is None and is_unbound_superuser(request)

