"""Admin base: tenant-scoped querysets, writes through services, FSM buttons with permissions."""
import inspect

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.paginator import InfinitePaginator

from . import services
from .exceptions import DomainError
from .fsm import available_transitions, state_field, transitions_of
from .principal import Principal

AUDIT_FIELDS = (
    "id", "tenant_id", "app_id", "created_at", "updated_at", "created_by", "updated_by", "source",
    "source_type", "is_deleted", "deleted_at", "deleted_by", "schema_version",
)


def principal_for(request, obj=None) -> Principal | None:
    """The admin user as a Principal: its membership, or (superusers) an admin of the object's tenant."""
    user = request.user
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    if membership is not None:
        return Principal(
            person_id=membership.person_id, tenant_id=membership.tenant_id,
            roles=frozenset(membership.roles or []), source_type="backend",
        )
    if user.is_authenticated and user.is_superuser:
        tenant = getattr(obj, "tenant_id", None) or request.GET.get("tenant_id") or "default"
        return Principal(person_id=f"admin:{user.username}", tenant_id=tenant, roles=frozenset({"admin"}),
                         source_type="backend")
    return None


NOT_INPUTS = {"self", "actor", "obj", "if_match", "comment", "body"}


def transition_inputs(model, info) -> list[str]:
    """Extra values a transition takes besides the comment (e.g. `delegated_to_id`), for the form."""
    function = services.dispatch(model, info.name) or getattr(model, info.method)
    return [name for name, p in inspect.signature(function).parameters.items()
            if name not in NOT_INPUTS and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]


class TenantAdmin(SimpleHistoryAdmin, ModelAdmin):
    """Base for every tenant model's admin. Staff see their tenant's rows only."""

    paginator = InfinitePaginator
    show_full_result_count = False
    list_per_page = 50
    change_form_template = "admin/core/change_form.html"
    audit_fields = AUDIT_FIELDS

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj)) + [
            f for f in self.audit_fields if hasattr(self.model, f)
        ]
        status = state_field(self.model)
        if status is not None:
            readonly.append(status.name)
        readonly += self.frozen_fields(request, obj)
        return tuple(dict.fromkeys(readonly))

    def frozen_fields(self, request, obj) -> list[str]:
        """Fields the model's field policy keeps from this user in the record's state (shown read-only;
        the update service refuses them anyway)."""
        policy = self.model.field_policy
        actor = principal_for(request, obj)
        if obj is None or policy is None or actor is None:
            return []
        writable = policy.writable(obj, actor)
        return [f.name for f in self.model._meta.concrete_fields if f.editable and f.name not in writable]

    def get_queryset(self, request):
        qs = self.model.objects.all()
        if request.user.is_superuser and getattr(request.user, "membership", None) is None:
            return qs
        principal = principal_for(request)
        if principal is None:
            return qs.none()
        return qs.visible_to(principal)

    # Staff rights come from the tenant membership's roles, not Django model permissions.
    def has_module_permission(self, request):
        return request.user.is_superuser or principal_for(request) is not None

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def _may_write(self, request) -> bool:
        principal = principal_for(request)
        if principal is None:
            return False
        roles = self.model.write_roles
        return roles is None or principal.has_role(*roles)

    def has_add_permission(self, request):
        return self._may_write(request)

    def has_change_permission(self, request, obj=None):
        return self._may_write(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_write(request)

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser and "tenant_id" not in filters:
            filters.append("tenant_id")
        return filters

    # -- writes go through services --------------------------------------------------
    def save_model(self, request, obj, form, change):
        actor = principal_for(request, obj)
        if actor is None:
            raise PermissionDenied
        if change:
            data = {name: getattr(obj, name) for name in form.changed_data if hasattr(obj, name)}
            update = services.dispatch(self.model, "update") or services.record_update
            update(actor=actor, obj=obj, data=data)
            obj.refresh_from_db()
        else:
            service = services.dispatch(self.model, "create")
            if service is not None:
                data = {f.name: getattr(obj, f.name) for f in self.model._meta.concrete_fields
                        if f.name in form.cleaned_data}
                created = service(actor=actor, data=data)
            else:
                created = services.record_create(actor=actor, obj=obj)
            obj.pk = created.pk
            obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.record_delete(actor=principal_for(request, obj), obj=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    # -- transitions -------------------------------------------------------------------
    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("<path:object_id>/transition/<str:name>/", self.admin_site.admin_view(self.transition_view),
                 name="%s_%s_transition" % info),
            *super().get_urls(),
        ]

    def allowed_transitions(self, request, obj) -> list[dict]:
        actor = principal_for(request, obj)
        if actor is None:
            return []
        out = []
        infos = transitions_of(type(obj))
        for name in available_transitions(obj):
            info = infos[name]
            if info.exposed and services.transition_denial(actor=actor, obj=obj, info=info) is None:
                out.append({"name": name, "label": name.replace("_", " ").capitalize(), "target": info.target,
                            "inputs": transition_inputs(type(obj), info)})
        return out

    def run_transition(self, request, obj, name: str, body: dict) -> tuple[bool, str]:
        actor = principal_for(request, obj)
        service = services.dispatch(type(obj), name)
        try:
            if service is not None:
                service(actor=actor, obj=obj, **body)
            else:
                services.record_transition(actor=actor, obj=obj, name=name, body=body)
        except DomainError as exc:
            return False, f"{obj}: {exc.detail}"
        except ValidationError as exc:
            return False, f"{obj}: {'; '.join(exc.messages)}"
        except TypeError as exc:
            return False, f"{obj}: {exc}"
        return True, f"{obj}: {name} done."

    def transition_view(self, request, object_id, name):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        body = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "_transition") and v != ""}
        ok, message = self.run_transition(request, obj, name, body)
        self.message_user(request, message, messages.SUCCESS if ok else messages.ERROR)
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such record in your tenant.")  # never a redirect that confirms it exists
        extra_context["fsm_transitions"] = self.allowed_transitions(request, obj)
        extra_context["transition_url_name"] = (
            f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_transition"
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such record in your tenant.")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such record in your tenant.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions["export_csv"] = (_export_csv, "export_csv", "Export selected as CSV")
        for info in transitions_of(self.model).values():
            if info.exposed:
                action = _bulk_action(info.name)
                actions[f"bulk_{info.name}"] = (action, f"bulk_{info.name}", f"{info.name.capitalize()} selected")
        return actions


def _export_csv(modeladmin, request, queryset):
    """The selected rows (use "select all" for the whole filtered changelist) as CSV."""
    import csv

    from django.http import StreamingHttpResponse

    names = ["id"] + [n for n in modeladmin.list_display if isinstance(n, str) and n != "id"
                      and any(f.name == n for f in modeladmin.model._meta.concrete_fields)]

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())

    def rows():
        yield writer.writerow(names)
        for obj in queryset.iterator(chunk_size=2000):
            yield writer.writerow([getattr(obj, n) for n in names])

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{modeladmin.model._meta.model_name}.csv"'
    return response


def _bulk_action(name: str):
    def bulk(modeladmin, request, queryset):
        done = 0
        for obj in queryset:
            ok, message = modeladmin.run_transition(request, obj, name, {})
            done += ok
            modeladmin.message_user(request, message, messages.SUCCESS if ok else messages.WARNING)
        modeladmin.message_user(request, f"{name}: {done} of {len(queryset)} done.", messages.INFO)

    bulk.__name__ = f"bulk_{name}"
    return bulk
