"""Admin transitions and bulk actions: the record's state-change buttons (each a named action, with
its own inputs, refilled after a refusal), the list's "… selected" actions (a reason asked once for
refusals) and Django's delete-selected limited to what the field policy lets go."""
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.text import capfirst

from . import services
from .actions import Actions, run_transition
from .admin_export import export_csv
from .admin_scope import principal_for
from .admin_words import person_fields
from .admin_writes import reason_of
from .directory_link import directory
from .exceptions import DomainError
from .fsm import available_transitions, state_field, transitions_of
from .people import label_rows

TYPED = "admin_transition_typed"  # what a refused transition form held, shown again


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
    """The action's refusals for a person: each value by its label ("Delegated to", not `delegated_to_id`)."""
    def label(field: str) -> str:
        named = serializer.fields[field].label if field in serializer.fields else None
        return str(named or field.replace("_", " ").capitalize()).removesuffix(" id")

    return "; ".join(f"{'' if field == 'non_field_errors' else label(field) + ': '}{' '.join(map(str, messages))}"
                     for field, messages in serializer.errors.items())


class TransitionsMixin:
    """For a TenantAdmin (its `record_actions`): transition URLs, buttons, their POST, the bulk actions."""

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
                # strict mode, as the API: e.g. a delegate
                directory().check_references(tenant_id=actor.tenant_id, model=type(obj), values=values)
                run_transition(function, actor=actor, obj=obj, **values)
        except (DomainError, ValidationError) as exc:
            return False, f"{obj}: {reason_of(exc)}"
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

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (_delete_selected, "delete_selected", actions["delete_selected"][2])
        actions["export_csv"] = (export_csv, "export_csv", "Export selected as CSV")
        for name, info in ((n, self.record_actions.info(n)) for n in self.record_actions.by_name):
            if info.exposed:
                action = _bulk_action(info.name)
                actions[f"bulk_{info.name}"] = (action, f"bulk_{info.name}", f"{info.name.capitalize()} selected")
        return actions


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

