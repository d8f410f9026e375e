"""Admin base: tenant-scoped querysets, writes through named actions, FSM buttons with permissions."""
import time

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db import models
from django.db.models import JSONField, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminTextareaWidget

from . import services
from .actions import Actions, run_transition
from .admin_forms import (
    REFUSED, ServiceRefused, TagListField, check_choices_of_one_tenant, choice_field_for, list_field_for, service_form,
    tenant_choice_form,
)
from .allowed import allowed_values
from .admin_saved_filters import SavedFiltersMixin
from .admin_words import (
    column_name, label_history, person_column, person_fields, search_people, swap_people, words_changelist,
)
from .admin_panels import record_panels
from .admin_scale import AtScale, scale_safe_filters
from .directory_services import check_references
from .exceptions import DomainError
from .fsm import available_transitions, state_field, transitions_of
from .models import TenantModel
from .people import label_rows, people_changelist
from .principal import Principal
from .work import works_on
from .waiting import waiting_of

# The record's envelope, read-only here: every field the base declares but `tags`, which staff edit
# (the stamps, STAMPED_FIELDS, and `source`, the system a record came from).
AUDIT_FIELDS = tuple(f.name for f in TenantModel._meta.local_fields if f.name != "tags")


ONE_TIME_SECRET = "admin_one_time_secret"
TYPED = "admin_transition_typed"  # what a refused transition form held, shown again
POLICY_SCOPE = "_delete_policy_scope"


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


def transition_inputs(actions: Actions, name: str) -> list[str]:
    """Values a transition's body takes besides the comment (e.g. `delegated_to_id`), for the form:
    the fields of the action's serializer, as the API takes them."""
    return [field for field, f in actions.body(name)().fields.items() if field != "comment" and not f.read_only]


INPUT_TYPES = {models.DateTimeField: "datetime-local", models.DecimalField: "number", models.URLField: "url",
               models.DateField: "date"}


def transition_fields(actions: Actions, name: str, typed: dict) -> list[dict]:
    """The transition form's inputs: typed as the record's field of that name (a date-time gets the
    browser's date/time picker), required as the action's serializer says, refilled after an error."""
    model, body = actions.model, actions.body(name)().fields
    out = []
    for input_name in transition_inputs(actions, name):
        field = next((f for f in model._meta.concrete_fields if f.name == input_name), None)
        kind = next((t for cls, t in INPUT_TYPES.items() if isinstance(field, cls)), "text")
        out.append({"name": input_name,
                    "label": capfirst(field.verbose_name if field else input_name.replace("_", " ")),
                    "type": kind, "required": body[input_name].required,
                    "value": typed.get(input_name, ""), "choices": None})
    return out


def body_errors(serializer) -> str:
    return "; ".join(f"{'' if field == 'non_field_errors' else field + ': '}{' '.join(map(str, messages))}"
                     for field, messages in serializer.errors.items())


class NotFoundOutsideScope:
    """A record outside the user's queryset (another tenant's, not theirs) is a 404 on every page,
    never Django's redirect with "perhaps it was deleted", which would confirm it exists."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404("No such record in your tenant.")


class TenantAdmin(AtScale, NotFoundOutsideScope, SavedFiltersMixin, SimpleHistoryAdmin, ModelAdmin):
    """Base for every tenant model's admin. Staff see their tenant's rows only. Writes run the model's
    named actions, `record_actions` (apps/<domain>/actions.py; the generic record services when the
    model has none of its own)."""

    record_actions: Actions | None = None
    list_per_page = 50
    change_form_template = "admin/core/change_form.html"
    object_history_list_template = "admin/core/object_history_list.html"
    # The change page says what the record waits for and on whom (apps/core/waiting.py).
    shows_waiting = True
    audit_fields = AUDIT_FIELDS
    # {"Section title": fields}: fields staff rarely need, in collapsed sections after the record's own.
    collapsed_sections: dict[str, tuple[str, ...]] = {}
    # JSON values here are short lists and maps: a three-line box, not unfold's default tall one.
    formfield_overrides = {**ModelAdmin.formfield_overrides,
                           JSONField: {"widget": UnfoldAdminTextareaWidget(attrs={"rows": 3})}}

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if self.record_actions is None:
            self.record_actions = Actions(model)
        elif self.record_actions.model is not model:
            raise ImproperlyConfigured(f"{type(self).__name__}.record_actions is the map of "
                                       f"{self.record_actions.model.__name__}, not of {model.__name__}")
        for field in person_fields(model):  # person fields read as people: list columns, read-only fields
            setattr(self, column_name(field), person_column(model, field))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj)) + [
            f for f in self.audit_fields if hasattr(self.model, f)
        ] + ([f for f in self.model.outcome_fields] if obj is not None else [])
        status = state_field(self.model)
        if status is not None:
            readonly.append(status.name)
        readonly += self.frozen_fields(request, obj)
        readonly += [column_name(f) for f in person_fields(self.model) if f in readonly]
        return tuple(dict.fromkeys(readonly))

    def get_changelist(self, request, **kwargs):
        return words_changelist(self.model)

    def get_search_results(self, request, queryset, search_term):
        """The admin's search, and the rows naming a person the term matches ("Mustermann")."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not self.search_fields or not search_term:
            return found, may_have_duplicates
        principal = None if is_unbound_superuser(request) else principal_for(request)
        named = search_people(queryset, self.model, search_term, principal.tenant_id if principal else None)
        return (found if named is None else found | named), may_have_duplicates

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
        if is_unbound_superuser(request):
            return qs
        principal = principal_for(request)
        if principal is None:
            return qs.none()
        return qs.visible_to(principal)

    # Staff rights come from the tenant membership's roles, not Django model permissions. The sidebar
    # and the index list a model to the roles whose work it is; a link to a row the user may see opens.
    def has_module_permission(self, request):
        if is_unbound_superuser(request):
            return True
        principal = principal_for(request)
        return principal is not None and works_on(principal, self.model)

    def has_view_permission(self, request, obj=None):
        return is_unbound_superuser(request) or principal_for(request) is not None

    def _may_write(self, request) -> bool:
        if is_unbound_superuser(request):
            return True
        principal = principal_for(request)
        if principal is None:
            return False
        roles = self.model.write_roles
        return roles is None or principal.has_role(*roles)

    def has_add_permission(self, request):
        if not self._may_write(request):
            return False
        actor = principal_for(request)  # a tenant's staff: no Add once their tenant has its one row
        return not (actor and tenant_has_its_one(self.model, actor.tenant_id))

    def has_change_permission(self, request, obj=None):
        return self._may_write(request)

    def has_delete_permission(self, request, obj=None):
        """The roles may delete this model, and (for a record) its field policy lets this user delete
        it in its state: no Delete button, a 403 delete page. record_delete checks the same again."""
        if not self._may_write(request):
            return False
        listing = getattr(request, POLICY_SCOPE, None)  # set while the delete page lists related rows
        return obj is None or (listing is not None and obj.pk not in listing) or self.policy_allows_delete(request, obj)

    def policy_allows_delete(self, request, obj) -> bool:
        policy = self.model.field_policy
        actor = principal_for(request, obj)
        return policy is None or actor is None or policy.may_delete(obj, actor)

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

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "tags" and isinstance(db_field, JSONField):  # every record's tags: typed, not JSON
            return TagListField(required=False, label=db_field.verbose_name.capitalize())
        if (allowed := allowed_values(db_field)) is not None and db_field.editable:
            return choice_field_for(db_field, allowed)  # a known set of values: chosen, never typed
        if isinstance(db_field, JSONField) and db_field.default is list and db_field.editable:
            return list_field_for(db_field)  # roles, scopes, closed dates …: `a, b`, not JSON
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
        if self.fieldsets:
            return [(name, {**options, "fields": list(dict.fromkeys(swap_people(options["fields"], self.model, readonly)))})
                    for name, options in super().get_fieldsets(request, obj)]
        fields = self.get_fields(request, obj)
        audit = [f for f in fields if f in self.audit_fields]
        outcome = [f for f in self.model.outcome_fields if obj is not None and getattr(obj, f) not in (None, "")]
        outcome = list(dict.fromkeys(swap_people(outcome, self.model, readonly)))
        tucked = {f for names in self.collapsed_sections.values() for f in names}
        # A read-only person field reads as the person (its column); the id stays in "Record".
        outcome_names = {*self.model.outcome_fields, *(column_name(f) for f in self.model.outcome_fields)}
        rest = [f for f in fields if f not in self.audit_fields and f not in outcome_names and f not in tucked]
        shown = list(dict.fromkeys(swap_people(rest, self.model, readonly)))
        own = [f for f in shown if f != "tags"] + [f for f in shown if f == "tags"]
        fieldsets = [(None, {"fields": own})]
        for title, names in self.collapsed_sections.items():
            if present := [f for f in names if f in fields]:
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
            check_references(tenant_id=actor.tenant_id, model=self.model, values=data)  # strict mode, as the API
            return self.record_actions.save(actor=actor, obj=obj, data=data)
        if tenant_has_its_one(self.model, actor.tenant_id):
            raise ValidationError(f"This tenant has its {self.model._meta.verbose_name} already; change that one.")
        data = {f.name: getattr(obj, f.name) for f in self.model._meta.concrete_fields if f.name in form.cleaned_data}
        check_references(tenant_id=actor.tenant_id, model=self.model, values=data)
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

    def get_deleted_objects(self, objs, request):
        """The rows a delete page lists under the ones deleted: a soft delete leaves them in place, so
        the field policy is asked about the deleted rows only (a policy with a launched campaign may go)."""
        setattr(request, POLICY_SCOPE, {obj.pk for obj in objs})
        try:
            return super().get_deleted_objects(objs, request)
        finally:
            delattr(request, POLICY_SCOPE)

    def delete_model(self, request, obj):
        self.record_actions.delete(actor=principal_for(request, obj), obj=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            try:
                with transaction.atomic():  # each row on its own: a refusal keeps the others
                    self.delete_model(request, obj)
            except (DomainError, ValidationError) as exc:
                self.message_user(request, f"{obj}: {_reason(exc)}", messages.ERROR)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except (DomainError, ValidationError) as exc:
            self.message_user(request, _reason(exc), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                                                args=[unquote(object_id)]))

    # -- transitions -------------------------------------------------------------------
    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("<path:object_id>/transition/<str:name>/", self.admin_site.admin_view(self.transition_view),
                 name="%s_%s_transition" % info),
            *self.saved_filter_urls(),
            *super().get_urls(),
        ]

    def object_buttons(self, request, obj) -> list[dict]:
        """Other things done to the record from its page, each a POST: [{label, url, testid}]."""
        return []

    def allowed_transitions(self, request, obj, waiting=None) -> list[dict]:
        """The buttons this user can use on the record. A decision another record takes over (an open
        approval request) posts to that record's step for someone who may decide it, else is left out."""
        actor = principal_for(request, obj)
        if actor is None or state_field(type(obj)) is None:
            return []
        out = []
        infos = transitions_of(type(obj))
        actions = self.record_actions
        kept = getattr(request, TYPED, None) or {}
        taken_over = waiting.taken_over if waiting else ()
        for name in available_transitions(obj):
            info = infos[name]
            if not info.exposed or name not in actions.by_name:
                continue
            label = name.replace("_", " ").capitalize()
            if name in taken_over:
                if name in waiting.decide_urls:
                    out.append({"name": name, "label": label, "target": info.target, "inputs": [], "fields": [],
                                "reason": False, "comment": "", "url": waiting.decide_urls[name]})
                continue
            if services.transition_denial(actor=actor, obj=obj, info=info) is None:
                typed = kept.get("values", {}) if kept.get("name") == name else {}
                out.append({"name": name, "label": label, "target": info.target,
                            "inputs": transition_inputs(actions, name),
                            "fields": transition_fields(actions, name, typed),
                            "reason": bool(info.custom.get("reason")), "comment": typed.get("comment", "")})
        return out

    def run_transition(self, request, obj, name: str, body: dict) -> tuple[bool, str]:
        actor = principal_for(request, obj)
        function = self.record_actions.by_name.get(name)
        if function is None:
            return False, f"{obj}: {name.replace('_', ' ')} is not an action of this page."
        serializer = self.record_actions.body(name)(data=body, context={"request": request})
        if not serializer.is_valid():  # the same body the API takes, from the form's strings
            return False, f"{obj}: {body_errors(serializer)}"
        values = serializer.validated_data
        try:
            with transaction.atomic():  # a bulk action's rows each on their own: a refusal keeps the others
                check_references(tenant_id=actor.tenant_id, model=type(obj), values=values)  # e.g. a delegate
                run_transition(function, actor=actor, obj=obj, **values)
        except (DomainError, ValidationError) as exc:
            return False, f"{obj}: {_reason(exc)}"
        return True, f"{obj}: {name} done."

    def transition_view(self, request, object_id, name):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        # One form serves every action of the page: only this action's own values (and the comment) go along.
        takes = {"comment", *(transition_inputs(self.record_actions, name) if name in self.record_actions.by_name else ())}
        body = {k: v for k, v in request.POST.items() if k in takes and v != ""}
        ok, message = self.run_transition(request, obj, name, body)
        self.message_user(request, message, messages.SUCCESS if ok else messages.ERROR)
        if not ok:  # the form comes back as it was typed
            request.session[TYPED] = {"pk": obj.pk, "name": name, "values": body}
        return HttpResponseRedirect(self.after_transition_url(request, obj, name, ok))

    def after_transition_url(self, request, obj, name: str, ok: bool) -> str:
        """Where a button's POST lands: the record again (a queue may open its next item instead)."""
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such record in your tenant.")  # never a redirect that confirms it exists
        typed = request.session.get(TYPED)
        if typed and typed.get("pk") == obj.pk and request.method == "GET":
            setattr(request, TYPED, request.session.pop(TYPED))
        actor = principal_for(request, obj)
        waiting = waiting_of(actor=actor, obj=obj) if actor and self.shows_waiting and state_field(type(obj)) else None
        extra_context["waiting"] = waiting
        extra_context["fsm_transitions"] = transitions = self.allowed_transitions(request, obj, waiting)
        extra_context["fsm_reasoned"] = " or ".join(t["label"].lower() for t in transitions if t["reason"])
        extra_context["fsm_typed_comment"] = next((t["comment"] for t in transitions if t["comment"]), "")
        extra_context["object_buttons"] = self.object_buttons(request, obj)
        extra_context["record_panels"] = record_panels(request, obj, actor)
        extra_context["transition_url_name"] = (
            f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_transition"
        )
        secret = request.session.get(ONE_TIME_SECRET)
        if secret and secret.get("pk") == obj.pk and request.method == "GET":
            extra_context["one_time_secret"] = request.session.pop(ONE_TIME_SECRET)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such record in your tenant.")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such record in your tenant.")
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])  # a revert would write around the services
        return super().history_form_view(request, object_id, version_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        label_history(historical_records, self.model)

    def revert_disabled(self, request, obj=None):
        return True

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (_delete_selected, "delete_selected", actions["delete_selected"][2])
        actions["export_csv"] = (_export_csv, "export_csv", "Export selected as CSV")
        for name, info in ((n, self.record_actions.info(n)) for n in self.record_actions.by_name):
            if info.exposed:
                action = _bulk_action(info.name)
                actions[f"bulk_{info.name}"] = (action, f"bulk_{info.name}", f"{info.name.capitalize()} selected")
        return actions


def _reason(exc: DomainError | ValidationError) -> str:
    return exc.detail if isinstance(exc, DomainError) else "; ".join(exc.messages)


def _delete_selected(modeladmin, request, queryset):
    """Django's "delete selected" for the rows this user may delete; the ones the field policy keeps
    (in their state, from this user) are named and left out, so the confirmation page lists only
    what will go and its count is true."""
    from django.contrib.admin.actions import delete_selected

    kept = [obj for obj in queryset if not modeladmin.has_delete_permission(request, obj)]
    if kept:
        names = ", ".join(str(obj) for obj in kept[:10]) + (f" and {len(kept) - 10} more" if len(kept) > 10 else "")
        modeladmin.message_user(request, f"Not deleted — you may not delete these in their state: {names}.",
                                messages.WARNING)
        queryset = queryset.exclude(pk__in=[obj.pk for obj in kept])
        if not queryset.exists():
            return None
    return delete_selected(modeladmin, request, queryset)


_delete_selected.allowed_permissions = ("delete",)


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


def _ask_reason(modeladmin, request, queryset, name: str, error: str = ""):
    """The page between the list and a bulk refusal: one reason for every selected row."""
    from django.contrib.admin import helpers
    from django.template.response import TemplateResponse

    label = name.replace("_", " ").capitalize()
    return TemplateResponse(request, "admin/core/bulk_reason.html", {
        **modeladmin.admin_site.each_context(request), "opts": modeladmin.model._meta, "queryset": queryset,
        "action": f"bulk_{name}", "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "label": label,
        "title": f"{label} — say why ({len(queryset)} selected)", "error": error,
        "reason": request.POST.get("bulk_reason", "")})


def _bulk_action(name: str):
    def bulk(modeladmin, request, queryset):
        body = {}
        if transitions_of(modeladmin.model)[name].custom.get("reason"):
            reason = request.POST.get("bulk_reason", "").strip()
            if "apply" not in request.POST or not reason:
                return _ask_reason(modeladmin, request, queryset, name,
                                   error="Say why: the reason is required." if "apply" in request.POST else "")
            body = {"comment": reason}
        done = 0
        rows = list(queryset)
        label_rows(rows, person_fields(modeladmin.model))  # each row's message names it: one lookup
        for obj in rows:
            ok, message = modeladmin.run_transition(request, obj, name, dict(body))
            done += ok
            modeladmin.message_user(request, message, messages.SUCCESS if ok else messages.WARNING)
        modeladmin.message_user(request, f"{name}: {done} of {len(rows)} done.", messages.INFO)

    bulk.__name__ = f"bulk_{name}"
    return bulk


class TenantLogAdmin(AtScale, NotFoundOutsideScope, ModelAdmin):
    """Read-only logs with a `tenant_id` (outbox events, webhook deliveries): tenant admins only,
    as they name what happens to every record of the tenant."""

    # Columns naming a person (`recipient_id`, `actor_id`): shown by name, the page labelled in one query.
    person_columns: tuple[str, ...] = ()

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        for field in self.person_columns:
            setattr(self, column_name(field), person_column(model, field))

    def get_changelist(self, request, **kwargs):
        return people_changelist(*self.person_columns) if self.person_columns else super().get_changelist(request)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_unbound_superuser(request):
            return qs
        principal = principal_for(request)
        return qs.filter(tenant_id=principal.tenant_id) if principal and principal.has_role() else qs.none()

    def get_list_display(self, request):
        columns = [column_name(c) if c in self.person_columns else c for c in super().get_list_display(request)]
        return [columns[0], "tenant_id", *columns[1:]] if is_unbound_superuser(request) else columns

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        return scale_safe_filters(self.model, ["tenant_id", *filters] if is_unbound_superuser(request) else filters)

    def has_module_permission(self, request):
        principal = principal_for(request)
        return is_unbound_superuser(request) or bool(principal and principal.has_role())

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
