"""Admin forms and writes: fields typed as their values (tags, known choices, lists, people), the
record's sections, and saves that run the model's named actions after the form validated (Django's
order); a refusal is the form again with the action's errors."""
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import JSONField
from django.http import HttpResponseRedirect
from django.urls import reverse

from . import services
from .admin_forms import (
    REFUSED, ServiceRefused, TagListField, check_choices_of_one_tenant, choice_field_for, list_field_for, service_form,
    tenant_choice_form,
)
from .admin_maps import map_field_for
from .admin_scope import is_unbound_superuser, narrow_choices_to_tenant, principal_for, tenant_has_its_one
from .admin_values import swap_values, words_name
from .admin_words import column_name, swap_people
from .allowed import allowed_values
from .directory_link import directory
from .exceptions import DomainError
from .models import TenantModel
from .principal import Principal

ONE_TIME_SECRET = "admin_one_time_secret"


def reason_of(exc: DomainError | ValidationError) -> str:
    """A refusal as one line for a message."""
    return exc.detail if isinstance(exc, DomainError) else "; ".join(exc.messages)


class FormWritesMixin:
    """For a TenantAdmin (its `record_actions`, `audit_fields`, `collapsed_sections`)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "tags" and isinstance(db_field, JSONField):  # every record's tags: typed, not JSON
            return TagListField(required=False, label=db_field.verbose_name.capitalize())
        if (allowed := allowed_values(db_field)) is not None and db_field.editable:
            return choice_field_for(db_field, allowed)  # a known set of values: chosen, never typed
        if isinstance(db_field, JSONField) and db_field.default is list and db_field.editable:
            return list_field_for(db_field)  # roles, scopes, closed dates …: `a, b`, not JSON
        if isinstance(db_field, JSONField) and db_field.default is dict and db_field.editable:
            return map_field_for(db_field)  # a connector's config …: key/value rows, not JSON
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_autocomplete_fields(self, request):
        """Every foreign key and many-to-many to a tenant model whose admin searches: a select of all
        the rows would load the whole table into the page (the search answers within the tenant)."""
        fields = list(super().get_autocomplete_fields(request))
        for f in self.model._meta.get_fields():
            forward = (f.many_to_one and f.concrete) or (f.many_to_many and not f.auto_created)
            if not forward or f.name in fields or f.name in self.raw_id_fields:
                continue
            related = self.admin_site._registry.get(f.related_model)
            if issubclass(f.related_model, TenantModel) and related is not None and related.search_fields:
                fields.append(f.name)
        return tuple(fields)


    def get_form(self, request, obj=None, change=False, **kwargs):
        base = kwargs.pop("form", None) or self.form
        if self.chooses_tenant(request, obj):
            base = tenant_choice_form(base)
        form = super().get_form(request, obj, change=change, form=base, **kwargs)
        from .admin_people import with_person_pickers  # it builds on this module

        actor = principal_for(request, obj, tenant_id=request.GET.get("tenant") or None)
        form = with_person_pickers(form, model=self.model, tenant_id=actor.tenant_id if actor else None)
        # A subclass of a ModelForm builds its fields anew: narrow them on the final class.
        form = service_form(form, check=self.check_form, request=request, change=change)
        return narrow_choices_to_tenant(form, request, obj)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if self.chooses_tenant(request, obj):
            fields = ["tenant", *(f for f in fields if f != "tenant")]
        return fields

    def get_fieldsets(self, request, obj=None):
        """The record's own fields first (tags last), the audit stamps in a collapsed section of the
        change page; an add page has no stamps to show yet."""
        readonly = set(self.get_readonly_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):  # a role that may only view
            readonly |= set(self.get_fields(request, obj))

        def as_read(names) -> list:
            """A read-only person field reads as the person (its id stays in "Record"), a JSON one as words."""
            return list(dict.fromkeys(swap_values(swap_people(names, self.model, readonly), self.model, readonly)))

        if self.fieldsets:
            return [(name, {**options, "fields": as_read(options["fields"])})
                    for name, options in super().get_fieldsets(request, obj)]
        fields = self.get_fields(request, obj)
        audit = [f for f in fields if f in self.audit_fields]
        outcome = as_read([f for f in self.model.outcome_fields if obj is not None and getattr(obj, f) not in (None, "", [], {})])
        tucked = {f for names in self.collapsed_sections.values() for f in names}
        outcome_names = {*self.model.outcome_fields, *(column_name(f) for f in self.model.outcome_fields)}
        rest = [f for f in fields if f not in self.audit_fields and f not in outcome_names and f not in tucked]
        shown = as_read(rest)
        last = ("tags", words_name("tags"))
        own = [f for f in shown if f not in last] + [f for f in shown if f in last]
        fieldsets = [(None, {"fields": own})]
        for title, names in self.collapsed_sections.items():
            if present := as_read([f for f in names if f in fields]):
                fieldsets.append((title, {"fields": present, "classes": ["collapse"]}))
        if outcome:
            fieldsets.append(("Outcome", {"fields": outcome}))
        if obj is not None and audit:
            fieldsets.append(("Record", {"fields": audit, "classes": ["collapse"]}))
        return fieldsets


    # -- writes run the named actions, after the form validated --------------------------
    def check_form(self, request, form, change) -> None:
        """The form's last check (no write): a superuser's choices all of the one tenant it acts for."""
        self.service_actor(request, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:  # the save rolled back: the same form again, saying why
            setattr(request, REFUSED, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def service_actor(self, request, form, change) -> Principal | None:
        """Who a form's save acts as (the tenant a superuser chose, or the staff member's own); None
        when the form already has errors (a superuser's choices spanning tenants)."""
        obj = form.instance
        chosen = form.cleaned_data.get("tenant") if self.chooses_tenant(request, obj if change else None) else None
        actor = principal_for(request, obj if change else None, tenant_id=chosen.pk if chosen else None)
        if actor is None:
            raise PermissionDenied
        if is_unbound_superuser(request):
            check_choices_of_one_tenant(form, actor.tenant_id)
            if form.errors:
                return None
        return actor

    def save_through_service(self, request, form, change):
        """The named action for a validated form (from save_model); its errors become the form's errors."""
        obj = form.instance
        actor = self.service_actor(request, form, change)
        if actor is None:
            return None
        if change:
            data = {name: getattr(obj, name) for name in form.changed_data if hasattr(obj, name)}
            # strict mode, as the API
            directory().check_references(tenant_id=actor.tenant_id, model=self.model, values=data)
            return self.record_actions.save(actor=actor, obj=obj, data=data)
        if tenant_has_its_one(self.model, actor.tenant_id):
            raise ValidationError(f"This tenant has its {self.model._meta.verbose_name} already; change that one.")
        data = {f.name: getattr(obj, f.name) for f in self.model._meta.concrete_fields if f.name in form.cleaned_data}
        directory().check_references(tenant_id=actor.tenant_id, model=self.model, values=data)
        if getattr(self.record_actions.create, "generic", False):  # the form's instance, as the form built it
            return services.record_create(actor=actor, obj=obj)
        return self.record_actions.create(actor=actor, data=data)

    def save_model(self, request, obj, form, change):
        """Runs the action after the form validated (Django's order). A refusal is raised as ServiceRefused:
        changeform_view's transaction rolls back and the form is shown again with the action's errors."""
        try:
            saved = self.save_through_service(request, form, change)
        except (ValidationError, DomainError) as exc:
            raise ServiceRefused(exc) from exc
        if saved is None:  # the form's own checks refused it (a superuser's choices spanning tenants)
            raise ServiceRefused(ValidationError("; ".join(str(e) for e in form.non_field_errors()) or
                                                 "Check the choices: they must belong to one tenant."))
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False
        secret = self.one_time_secret(saved)
        if secret is not None:
            request.session[ONE_TIME_SECRET] = {"pk": saved.pk, "label": secret[0], "value": secret[1]}

    def save_related(self, request, form, formsets, change):
        pass  # inlines are read-only; related rows change through the parent's services

    def construct_change_message(self, request, form, formsets, add=False):
        # The inlines only display and were never saved (no `new_objects`): the form alone says what changed.
        return super().construct_change_message(request, form, [], add)

    def one_time_secret(self, saved) -> tuple[str, str] | None:
        """(label, value) of a secret the create service returns once (an API key, a signing secret)."""
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if request.session.get(ONE_TIME_SECRET, {}).get("pk") == obj.pk:
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def delete_model(self, request, obj):
        self.record_actions.delete(actor=principal_for(request, obj), obj=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            try:
                with transaction.atomic():  # each row on its own: a refusal keeps the others
                    self.delete_model(request, obj)
            except (DomainError, ValidationError) as exc:
                self.message_user(request, f"{obj}: {reason_of(exc)}", messages.ERROR)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except (DomainError, ValidationError) as exc:
            self.message_user(request, reason_of(exc), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                                                args=[unquote(object_id)]))

