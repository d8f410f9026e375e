
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextareaWidget

from apps.core.admin_base import AUDIT_FIELDS, TenantAdmin

from apps.core.admin_row_picker import RowPicker, rows_autocomplete
from apps.core.admin_scope import principal_for
from apps.core.exceptions import DomainError
from apps.core.people import AGENT_ROLES, display_people, members_with_role, people_changelist, person_label
from apps.files.services import file_attach

from .admin_hours import WeeklyHoursField, spans_needed, week_words
from .canned import canned_reply_text, usable_replies
from .canned_placeholders import CANNED_PLACEHOLDERS
from .models import BusinessCalendar, CannedReply, SLAPolicy, Ticket, TicketComment
from .actions import TICKET_ACTIONS
from .reassignment import assigned_to_inactive
from .services import check_assignee, ticket_comment_create, ticket_update
from . import sla_queue
from .sla_display import sla_view


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", "My tickets"), ("unassigned", "Unassigned"), ("overdue", "SLA breached or at risk"),
                ("reassign", "Assigned to someone inactive")]

    def queryset(self, request, queryset):
        open_ = queryset.exclude(status__in=["resolved", "closed"])
        principal = principal_for(request)
        if self.value() == "mine" and principal:
            return open_.filter(assigned_to_id=principal.person_id)
        if self.value() == "unassigned":
            return open_.filter(assigned_to_id__isnull=True)
        if self.value() == "overdue":
            return open_.filter(sla_state__in=["warning", "breached"])
        if self.value() == "reassign":
            return assigned_to_inactive(queryset)
        return queryset


class SLAClockFilter(admin.SimpleListFilter):
    """The dashboard's SLA counts link here: the same clock the SLA column shows and sorts by."""

    title = "SLA clock"
    parameter_name = "sla_due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue now"), ("soon", "Due within 4 h")]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return sla_queue.overdue(queryset, timezone.now())
        if self.value() == "soon":
            return sla_queue.due_soon(queryset, timezone.now())
        return queryset


class TicketForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = "__all__"
        widgets = {"description": UnfoldAdminTextareaWidget(attrs={"rows": 4})}

    def clean_assigned_to_id(self):
        value = self.cleaned_data.get("assigned_to_id") or None
        if value and value != self.instance.assigned_to_id:
            try:
                check_assignee(tenant_id=self.tenant_id, person_id=value)  # the service's own rule
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["assigned_to_id"]) from exc
        return value


class ReplyForm(forms.Form):
    """The reply box: a text, or a canned reply's text for this ticket (the box fills itself when one is
    picked; picked with an empty box, the server fills it), and files kept on the reply."""

    body = forms.CharField(widget=forms.Textarea, max_length=20_000, required=False)
    canned_reply = forms.CharField(required=False, max_length=40)
    internal = forms.BooleanField(required=False)


SLA_FIELDS = ("sla_policy", "sla_state", "first_response_at", "first_response_due_at", "first_response_warn_at",
              "first_response_warned_at", "first_response_breached_at", "due_at", "resolution_warn_at",
              "resolution_warned_at", "resolution_breached_at", "resolved_at")


def sla_badge(ticket, *, short: bool = False) -> str:
    view = sla_view(ticket)
    title = f"{view.label}. {view.detail}" if short else view.detail
    return format_html('<span data-sla="{}" title="{}" style="{};padding:2px 8px;border-radius:9999px;'
                       'white-space:nowrap;font-weight:600;font-size:0.8rem">{}</span>',
                       view.state, title, view.style, view.short if short else view.label)


@admin.register(Ticket)
class TicketAdmin(TenantAdmin):
    record_actions = TICKET_ACTIONS
    form = TicketForm
    change_form_template = "admin/helpdesk/ticket/change_form.html"
    list_display = ("number", "title", "sla", "status", "priority", "assignee", "type", "created_at")
    list_display_links = ("number", "title")
    change_list_template = "admin/helpdesk/ticket/change_list.html"
    list_filter = (QueueFilter, SLAClockFilter, "status", "priority", "type", "sla_state")
    search_fields = ("number", "title", "description")
    date_hierarchy = "created_at"
    readonly_fields = ("number", "sla", "submitter", *SLA_FIELDS)
    ordering = ("-id",)

    def get_changelist(self, request, **kwargs):
        return people_changelist("assigned_to_id")

    def get_queryset(self, request):
        return sla_queue.with_sla_due(super().get_queryset(request))

    @admin.display(description="SLA", ordering=sla_queue.sla_order())
    def sla(self, obj):
        return sla_badge(obj, short=not getattr(obj, "_on_change_page", False))

    @admin.display(description="Assignee", ordering="assigned_to_id")
    def assignee(self, obj):
        return person_label(obj, "assigned_to_id")

    @admin.display(description="Submitted by")
    def submitter(self, obj):
        return person_label(obj, "submitted_by_id")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ("title", "description", ("type", "priority"), "category", "assigned_to_id",
                                       "submitted_by_id", "tags")})]
        return [
            (None, {"fields": (("status", "priority"), ("assigned_to_id", "sla"))}),
            ("Ticket", {"fields": ("title", "description", ("type", "category"), "submitter", "tags")}),
            ("SLA clock", {"classes": ["collapse"], "fields": SLA_FIELDS}),
            ("Links", {"classes": ["collapse"],
                       "fields": ("team_id", "related_asset_id", "related_vulnerability_id", "source")}),
            ("Audit", {"classes": ["collapse"], "fields": ("number", *(f for f in AUDIT_FIELDS if f != "source"))}),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None:
            readonly = (*readonly, "submitted_by_id")
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        principal = principal_for(request, obj)
        tenant_id = obj.tenant_id if obj is not None else principal.tenant_id if principal else ""
        if "assigned_to_id" in form.base_fields:
            choices = [("", "— Unassigned —"), *members_with_role(tenant_id, AGENT_ROLES)]
            current = obj.assigned_to_id if obj is not None else None
            if current and current not in {value for value, _ in choices}:
                choices.append((current, f"{current} (not an agent)"))
            form.base_fields["assigned_to_id"] = forms.TypedChoiceField(
                choices=choices, required=False, empty_value=None, label="Assignee", widget=UnfoldAdminSelectWidget)
        form.tenant_id = tenant_id
        return form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            principal = principal_for(request, obj)
            comments = list(TicketComment.objects.visible_to(principal).filter(ticket=obj).order_by("id"))
            ids = {obj.assigned_to_id, obj.submitted_by_id, obj.created_by, obj.updated_by,
                   *(c.author_id for c in comments)}
            obj._people = people = display_people(obj.tenant_id, ids)
            obj._on_change_page = True
            from apps.helpdesk_mail.selectors import html_message_ids  # the mail gateway builds on helpdesk

            mails = {key: reverse("admin:helpdesk_mail_inboundmessage_html", args=[pk])
                     for key, pk in html_message_ids(ticket=obj, comment_ids=[c.pk for c in comments]).items()}
            for comment in comments:
                comment.author_label = people.get(comment.author_id, comment.author_id)
                comment.mail_html_url = mails.get(comment.pk)
            is_agent = Ticket.visibility.sees_every_row(principal)
            if is_agent and usable_replies(principal).exists():  # found by name; picking one fills the box
                picker = RowPicker(url=reverse("admin:helpdesk_ticket_canned_replies"), tenant_id=obj.tenant_id,
                                   testid="canned-reply", attrs={"id": "canned-reply"})
                context["canned_reply_picker"] = picker.render("canned_reply", None)
                context["canned_text_url"] = reverse("admin:helpdesk_ticket_canned_text", args=[obj.pk])
                context["media"] = context["media"] + picker.media
            context.update({
                "comments": comments,
                "people": people,
                "assignee_label": people.get(obj.assigned_to_id, "") if obj.assigned_to_id else "",
                "submitter_label": people.get(obj.submitted_by_id, obj.submitted_by_id),
                "sla_badge": sla_badge(obj),
                "opening_mail_html_url": mails.get(""),
                "reply_form": ReplyForm(),
                "may_write_internal": is_agent,
                "may_assign_to_me": is_agent and obj.assigned_to_id != principal.person_id
                and obj.status not in ("resolved", "closed"),
            })
        return super().render_change_form(request, context, add, change, form_url, obj)

    # -- the workbench's own actions: each a POST that calls the API's service ----------------
    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        view = self.admin_site.admin_view
        return [
            path("canned-replies/", view(rows_autocomplete(self.pickable_canned_replies)),
                 name="%s_%s_canned_replies" % info),
            path("<path:object_id>/canned-text/", view(self.canned_text_view), name="%s_%s_canned_text" % info),
            path("<path:object_id>/reply/", view(self.reply_view), name="%s_%s_reply" % info),
            path("<path:object_id>/assign-to-me/", view(self.assign_to_me_view), name="%s_%s_assign_to_me" % info),
            *super().get_urls(),
        ]

    def _ticket_and_actor(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such record in your tenant.")
        actor = principal_for(request, obj)
        if actor is None:
            raise PermissionDenied
        return obj, actor

    def _back(self, obj, anchor: str = ""):
        return HttpResponseRedirect(reverse("admin:helpdesk_ticket_change", args=[obj.pk]) + anchor)

    def pickable_canned_replies(self, request, principal):
        """The reply box's picker: the active canned replies of the tenant, for its agents."""
        return usable_replies(principal).only("pk", "name") if Ticket.visibility.sees_every_row(principal) else None

    def canned_text_view(self, request, object_id):
        """The text a picked canned reply puts in the reply box, filled for this ticket: for an agent who
        sees the ticket, and only a reply of their helpdesk (else a 404, as for another tenant's ticket)."""
        obj, actor = self._ticket_and_actor(request, object_id)
        text = None
        if Ticket.visibility.sees_every_row(actor):
            text = canned_reply_text(principal=actor, ticket=obj, reply_id=request.GET.get("reply", "")[:40])
        if text is None:
            raise Http404("No such canned reply in your helpdesk.")
        return JsonResponse({"body": text})

    def reply_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj, actor = self._ticket_and_actor(request, object_id)
        form = ReplyForm(request.POST)
        if not form.is_valid():
            problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
            self.message_user(request, f"{obj.number}: the reply was not sent ({problems}).", messages.ERROR)
            return self._back(obj, "#conversation")
        body, canned = form.cleaned_data["body"].replace("\r\n", "\n").strip(), form.cleaned_data["canned_reply"]
        if not body and canned:
            body = canned_reply_text(principal=actor, ticket=obj, reply_id=canned) or ""
            if not body:
                self.message_user(request, "That canned reply is not offered in your helpdesk.", messages.ERROR)
                return self._back(obj, "#conversation")
        if not body:
            self.message_user(request, "Write a reply first.", messages.ERROR)
            return self._back(obj, "#conversation")
        internal = form.cleaned_data["internal"]
        uploads = request.FILES.getlist("files")
        try:
            with transaction.atomic():  # the reply and its files, or nothing
                comment = ticket_comment_create(actor=actor, ticket=obj, body=body, internal=internal)
                for upload in uploads:
                    file_attach(actor=actor, record=comment, filename=upload.name, content=upload)
        except DomainError as exc:
            self.message_user(request, f"{obj.number}: {exc.detail} Nothing was sent.", messages.ERROR)
        else:
            done = "internal note added" if internal else "reply sent"
            files = f" with {len(uploads)} file{'s' if len(uploads) != 1 else ''}" if uploads else ""
            self.message_user(request, f"{obj.number}: {done}{files}.", messages.SUCCESS)
        return self._back(obj, "#conversation")

    def assign_to_me_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj, actor = self._ticket_and_actor(request, object_id)
        try:
            with transaction.atomic():
                ticket_update(actor=actor, obj=obj, data={"assigned_to_id": actor.person_id})
        except DomainError as exc:
            self.message_user(request, f"{obj.number}: {exc.detail}", messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, f"{obj.number}: {'; '.join(exc.messages)}", messages.ERROR)
        else:
            self.message_user(request, f"{obj.number}: assigned to you.", messages.SUCCESS)
        return self._back(obj)


@admin.register(CannedReply)
class CannedReplyAdmin(TenantAdmin):
    """The helpdesk's canned replies, offered on every ticket's reply box."""

    list_display = ("name", "active", "updated_at")
    list_filter = ("active",)
    search_fields = ("name", "body")
    shows_waiting = False

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": ("name", "body", "active"),
                        "description": "Placeholders, filled for the ticket being answered: "
                                       + ", ".join(f"{{{{ {name} }}}} ({what})" for name, what in CANNED_PLACEHOLDERS.names.items())
                                       + "."}),
                ("Audit", {"classes": ["collapse"], "fields": self.audit_fields})]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(TenantAdmin):
    list_display = ("name", "priority", "first_response_minutes", "resolution_minutes", "business_hours_only", "status")
    list_filter = ("status", "priority", "business_hours_only")
    search_fields = ("name",)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(TenantAdmin):
    list_display = ("name", "time_zone", "holiday_country", "holiday_subdivision", "updated_at")
    search_fields = ("name",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "working_hours" in form.base_fields:
            form.base_fields["working_hours"] = WeeklyHoursField(
                label="Working hours", spans=spans_needed(obj.working_hours if obj is not None else None))
        return form

    @admin.display(description="Working hours")
    def working_hours_words(self, obj):
        """Read-only (a role that may only view): a line per weekday."""
        return week_words(obj.working_hours)
