from django.contrib import admin, messages
from django.contrib.admin.utils import label_for_field, lookup_field
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ObjectDoesNotExist
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from apps.core.admin_base import TenantAdmin

from apps.core.admin_scope import principal_for
from apps.core.admin_words import swap_people
from apps.core.people import DECIDER_ROLES, display_people, members_with_role, people_changelist, person_label

from .admin_approvers import approver_labels, approvers_autocomplete, approvers_field, clean_approver_ids
from .choices import OPEN_STEP_STATES, RouteSource
from .deciders import needing_reassignment, other_steps_deciders, waiting_for
from .models import ApprovalChain, ApprovalRequest, ApprovalRule, ApprovalStep
from .actions import APPROVAL_CHAIN_ACTIONS, APPROVAL_REQUEST_ACTIONS, APPROVAL_RULE_ACTIONS, APPROVAL_STEP_ACTIONS
from .outcomes import target_model
from .summaries import summarise


class ChainChangeList(ChangeList):
    """Labels the approvers of the page's chains in one go (per tenant), not one lookup per row."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        by_tenant: dict[str, set[str]] = {}
        for chain in self.result_list:
            by_tenant.setdefault(chain.tenant_id, set()).update(chain.approver_ids or [])
        labels = {tenant: approver_labels(tenant, sorted(values)) for tenant, values in by_tenant.items()}
        for chain in self.result_list:
            chain._approver_labels = labels[chain.tenant_id]


@admin.register(ApprovalChain)
class ApprovalChainAdmin(TenantAdmin):
    record_actions = APPROVAL_CHAIN_ACTIONS
    list_display = ("name", "entity_type", "approvers", "due_in_hours", "is_active")
    list_filter = ("entity_type", "is_active")
    search_fields = ("name", "entity_type")

    def get_changelist(self, request, **kwargs):
        return ChainChangeList

    @admin.display(description="Approvers")
    def approvers(self, obj):
        labels = getattr(obj, "_approver_labels", None)
        if labels is None:
            labels = approver_labels(obj.tenant_id, list(obj.approver_ids or []))
        return " → ".join(labels.get(v, v) for v in obj.approver_ids or []) or "—"

    def get_urls(self):
        return [path("approvers/autocomplete/", self.admin_site.admin_view(approvers_autocomplete),
                     name="approvals_approvalchain_approvers"), *super().get_urls()]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = principal_for(request, obj, tenant_id=request.GET.get("tenant") or None)
        tenant_id = actor.tenant_id if actor else None
        if "approver_ids" in form.base_fields:
            field = approvers_field(tenant_id=tenant_id, url=reverse("admin:approvals_approvalchain_approvers"),
                                    help_text=ApprovalChain._meta.get_field("approver_ids").help_text)
            form = type(form.__name__, (form,), {"approver_ids": field, "picker_tenant_id": tenant_id,
                                                 "clean_approver_ids": clean_approver_ids})
        return form


def route_label(approval: ApprovalRequest) -> str:
    """Which rule (or default) picked the chain, as the request and step pages say it."""
    chain = f"“{approval.chain.name}”" if approval.chain_id else "no chain"
    if approval.routed_by == RouteSource.RULE and approval.rule_id:
        rule = approval.rule
        return f"Chain {chain} picked by routing rule “{rule.name}” (position {rule.position}: {rule.conditions()})."
    if approval.routed_by == RouteSource.ENTITLEMENT:
        return f"Chain {chain}: the requested entitlement's own chain."
    if approval.routed_by == RouteSource.DEFAULT:
        return f"Chain {chain}: the default chain of its type (no routing rule matched)."
    if approval.routed_by == RouteSource.GIVEN:
        return "Approvers given when the request was made."
    return ""


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(TenantAdmin):
    record_actions = APPROVAL_RULE_ACTIONS
    """Rules pick a chain by conditions on the record; the first active match by position wins."""

    list_display = ("name", "position", "conditions", "chain", "is_active")
    list_filter = ("is_active", "entity_type")
    search_fields = ("name",)
    list_select_related = ("chain",)
    ordering = ("position", "id")

    @admin.display(description="Conditions")
    def conditions(self, obj):
        return obj.conditions()


def approval_context(approval: ApprovalRequest) -> dict:
    steps = list(approval.steps.select_related("approver_group").order_by("step_index"))
    people = display_people(approval.tenant_id, {approval.requested_by_id, *(s.approver_id for s in steps),
                                                 *(s.delegated_to_id for s in steps)})
    return {"approval": approval, "chain": chain_progress(approval, steps, people), "people": people,
            "route": route_label(approval),
            "requester_label": people.get(approval.requested_by_id, approval.requested_by_id),
            "approval_overdue": bool(approval.due_at and approval.due_at < timezone.now())}


def chain_progress(request: ApprovalRequest, steps: list[ApprovalStep], people: dict[str, str]) -> list[dict]:
    """Each step numbered from 1, with who decided what and when (for the request and step pages)."""
    return [{
        "step": step,
        "number": step.step_index + 1,
        "approver": approver_label(step, people),
        "delegate": people.get(step.delegated_to_id, step.delegated_to_id) if step.delegated else "",
        "is_current": request.status == "pending" and step.step_index == request.current_step_index,
    } for step in steps]


def approver_label(step: ApprovalStep, people: dict[str, str]) -> str:
    """The approver by name; a group step not taken yet by its group (a decided one names its member)."""
    if step.approver_id or not step.approver_group_id:
        label = people.get(step.approver_id, step.approver_id) or "—"
        return f"{label} (for {step.approver_group})" if step.approver_group_id else label
    return f"Any member of {step.approver_group}"


def target_of(admin_site, request, approval: ApprovalRequest) -> dict | None:
    """The record being approved: a summary and its admin link when this user may see it."""
    if not approval.entity_id:
        return None
    model = target_model(approval.entity_type)
    model_admin = admin_site._registry.get(model) if model else None
    found = {"entity_type": approval.entity_type, "entity_id": approval.entity_id, "record": None}
    if model_admin is None or not model_admin.has_view_permission(request):
        return found
    record = model_admin.get_queryset(request).filter(pk=approval.entity_id).first()
    if record is None:
        return found
    # The list's columns as the list shows them: people by name, a catalog request's system by name.
    names = [n for n in swap_people(model_admin.list_display, model) if isinstance(n, str) and n not in ("id", "__str__")]
    fields = {f.name: f for f in model._meta.concrete_fields}
    summary = []
    for name in names:
        try:
            field, _attr, value = lookup_field(name, record, model_admin)
        except (AttributeError, ObjectDoesNotExist):
            continue
        if field is not None and field.choices:
            value = getattr(record, f"get_{name}_display")()
        if field is not None or value not in (None, ""):
            summary.append((str(label_for_field(name, model, model_admin)).capitalize(), value))
    for name in ("justification", "description", "purpose"):
        if name in fields and getattr(record, name):
            summary.append((fields[name].verbose_name.capitalize(), getattr(record, name)))
    try:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[record.pk])
    except NoReverseMatch:
        url = ""
    return {**found, "record": record, "summary": summary, "url": url, "label": model._meta.verbose_name.capitalize()}


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(TenantAdmin):
    record_actions = APPROVAL_REQUEST_ACTIONS
    shows_waiting = False  # its panel shows the chain and the step at hand
    change_form_template = "admin/approvals/approvalrequest/change_form.html"
    list_display = ("title", "entity_type", "requester", "status", "progress", "routed", "due_at", "created_at")
    list_filter = ("status", "entity_type", "routed_by")
    list_select_related = ("rule", "chain")
    search_fields = ("title", "entity_id__exact", "requested_by_id__exact")
    date_hierarchy = "created_at"

    def get_changelist(self, request, **kwargs):
        return people_changelist("requested_by_id")

    @admin.display(description="Requested by", ordering="requested_by_id")
    def requester(self, obj):
        return person_label(obj, "requested_by_id")

    @admin.display(description="Routed by", ordering="routed_by")
    def routed(self, obj):
        if obj.routed_by == RouteSource.RULE and obj.rule_id:
            return f"Rule: {obj.rule.name}"
        return obj.get_routed_by_display() if obj.routed_by else "—"

    @admin.display(description="Progress")
    def progress(self, obj):
        if not obj.total_steps:
            return "no steps"
        if obj.status != "pending":
            return f"{obj.total_steps} step{'s' if obj.total_steps != 1 else ''}"
        return f"step {obj.current_step_index + 1} of {obj.total_steps}"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update({**approval_context(obj), "target": target_of(self.admin_site, request, obj)})
        return super().render_change_form(request, context, add, change, form_url, obj)


class MineFilter(admin.SimpleListFilter):
    title = "my approvals"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("open", "Waiting for me"), ("all", "All mine")]

    def queryset(self, request, queryset):
        principal = principal_for(request)
        if not self.value() or principal is None:
            return queryset
        mine = queryset.filter(waiting_for(principal.person_id, tenant_id=principal.tenant_id))
        return mine.filter(status__in=OPEN_STEP_STATES) if self.value() == "open" else mine


class ReassignFilter(admin.SimpleListFilter):
    title = "needs reassignment"
    parameter_name = "reassign"

    def lookups(self, request, model_admin):
        return [("needed", "Decider inactive")]

    def queryset(self, request, queryset):
        if self.value() != "needed":
            return queryset
        principal = principal_for(request)
        return needing_reassignment(queryset, tenant_id=principal.tenant_id if principal else None)


class StepChangeList(people_changelist("approver_id", "delegated_to_id")):
    """Each step says what it decides (the record's title, requester, excerpt, amount or dates, due)."""

    def get_results(self, request):
        super().get_results(request)
        for step, row in zip(self.result_list, summarise(self.result_list)):
            step._summary = row


@admin.register(ApprovalStep)
class ApprovalStepAdmin(TenantAdmin):
    record_actions = APPROVAL_STEP_ACTIONS
    shows_waiting = False
    change_form_template = "admin/approvals/approvalstep/change_form.html"
    list_display = ("decided", "step", "approver", "status", "decision", "delegate", "decided_at")
    list_filter = (MineFilter, ReassignFilter, "status", "decision")
    search_fields = ("approver_id__exact", "delegated_to_id__exact", "approval_request__title")
    list_select_related = ("approval_request", "approver_group")
    fieldsets = [
        (None, {"fields": ("approval_request", "step", "status", "decision", "comment", "decided_at")}),
        ("Approver", {"fields": ("approver", "delegated", "delegate")}),
        ("Audit", {"classes": ["collapse"], "fields": ("id", "tenant_id", "created_at", "updated_at", "created_by",
                                                       "updated_by", "source_type")}),
    ]
    readonly_fields = ("approval_request", "step", "approver", "status", "decision", "comment", "decided_at",
                       "delegated", "delegate")

    def get_changelist(self, request, **kwargs):
        return StepChangeList

    @admin.display(description="What is decided", ordering="approval_request__title")
    def decided(self, obj):
        row = getattr(obj, "_summary", None)
        if row is None:
            return str(obj.approval_request)
        details = [f"Requested by {row['requester_name']}"]
        details += [str(row[k]) for k in ("amount", "dates") if row[k] not in (None, "")]
        if obj.status in OPEN_STEP_STATES:
            details.append(f"waiting {timesince(row['waiting_since'])}")
        if row["due"]:
            details.append(f"due {row['due']:%Y-%m-%d}")
        excerpt = (row["excerpt"] or "")[:100]
        return format_html('{}<div class="text-xs">{}</div>{}', row["title"], " · ".join(details),
                           format_html('<div class="text-xs">“{}”</div>', excerpt) if excerpt else "")

    @admin.display(description="Approver", ordering="approver_id")
    def approver(self, obj):
        return approver_label(obj, getattr(obj, "_people", None) or {})

    @admin.display(description="Delegated to", ordering="delegated_to_id")
    def delegate(self, obj):
        return person_label(obj, "delegated_to_id") if obj.delegated_to_id else "—"

    @admin.display(description="Step", ordering="step_index")
    def step(self, obj):
        return f"{obj.step_index + 1} of {obj.approval_request.total_steps}"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("approval_request", "approver_group")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # nothing on a step is edited by hand: it is decided or delegated with the buttons

    def has_delete_permission(self, request, obj=None):
        return False  # steps belong to their request; cancel the request instead

    def after_transition_url(self, request, obj, name: str, ok: bool) -> str:
        """After a decision the next step waiting for this user opens; with none left, their inbox."""
        principal = principal_for(request, obj)
        if not ok or principal is None:
            return super().after_transition_url(request, obj, name, ok)
        mine = waiting_for(principal.person_id, tenant_id=principal.tenant_id)
        waiting = (self.get_queryset(request).filter(status__in=OPEN_STEP_STATES).filter(mine)
                   .exclude(pk=obj.pk).order_by("id").first())
        if waiting is None:
            self.message_user(request, "Nothing else waits for you.", messages.INFO)
            return reverse("admin:approvals_approvalstep_changelist") + "?mine=open"
        self.message_user(request, f"Next waiting for you: {waiting}.", messages.INFO)
        return reverse("admin:approvals_approvalstep_change", args=[waiting.pk])

    def delegate_choices(self, request, step: ApprovalStep) -> list[tuple[str, str]]:
        """Who may take this step over: the tenant's approvers and admins, not the requester nor the decider."""
        excluded = {step.approval_request.requested_by_id, step.decider_id, principal_for(request, step).person_id,
                    *other_steps_deciders(step)}
        return [(p, label) for p, label in members_with_role(step.tenant_id, DECIDER_ROLES) if p not in excluded]

    def allowed_transitions(self, request, obj, waiting=None) -> list[dict]:
        transitions = super().allowed_transitions(request, obj, waiting)
        for t in transitions:
            for field in t["fields"]:
                if field["name"] == "delegated_to_id":
                    field["choices"] = self.delegate_choices(request, obj)
        return transitions

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            approval = obj.approval_request
            extra = approval_context(approval)
            obj._people = extra["people"]
            context.update({**extra, "target": target_of(self.admin_site, request, approval),
                            "step_number": obj.step_index + 1})
        return super().render_change_form(request, context, add, change, form_url, obj)
