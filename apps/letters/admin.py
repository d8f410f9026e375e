"""HR letters in the admin: templates (validated placeholders), a "Letter" section on HR request
pages to generate one, and the letter's own page to review it (its text and its PDF) and send it."""
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from apps.core.admin_base import TenantAdmin
from apps.core.admin_row_picker import RowPicker, rows_autocomplete

from apps.core.admin_scope import principal_for
from apps.core.admin_panels import record_panel
from apps.core.exceptions import DomainError
from apps.core.fsm import available_transitions
from apps.files.download import DOWNLOAD_CSP
from apps.operations.choices import HRRequestType
from apps.operations.models import HRRequest

from .actions import LETTER_ACTIONS, LETTER_TEMPLATE_ACTIONS
from .models import Letter, LetterStatus, LetterTemplate
from .services import letter_discard, letter_generate, letter_send


def usable_templates(actor):
    """The active letter templates HR may generate a letter from, by name."""
    if not actor.has_role("hr"):
        return LetterTemplate.objects.none()
    return LetterTemplate.objects.visible_to(actor).filter(active=True).order_by("name", "pk")


def template_label(template: LetterTemplate) -> str:
    return f"{template.name} (v{template.version})"


def pickable_templates(request, actor):
    """The letter panel's picker: the usable templates, those for the request's type (`?type=`) first."""
    templates = usable_templates(actor).only("pk", "name", "version")
    request_type = request.GET.get("type", "")
    if request_type in HRRequestType.values:
        templates = templates.order_by(Case(When(request_type=request_type, then=Value(0)), default=Value(1),
                                            output_field=IntegerField()), "name", "pk")
    return templates


def _reason(exc) -> str:
    if isinstance(exc, DomainError):
        return exc.detail
    return "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


@admin.register(LetterTemplate)
class LetterTemplateAdmin(TenantAdmin):
    record_actions = LETTER_TEMPLATE_ACTIONS
    list_display = ("name", "request_type", "version", "active", "email_pdf", "updated_at")
    list_filter = ("active", "request_type")
    search_fields = ("name", "body")
    readonly_fields = ("version",)
    shows_waiting = False

    def get_urls(self):
        return [path("pick/", self.admin_site.admin_view(rows_autocomplete(pickable_templates, label=template_label)),
                     name="letters_lettertemplate_pick"),
                *super().get_urls()]

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": ("name", "request_type", "body", ("active", "email_pdf"))}),
                ("Audit", {"classes": ["collapse"], "fields": ("version", *self.audit_fields)})]


@record_panel
def letter_panel(request, obj, actor):
    """On an HR request's page, for HR: its letters, and a form to generate one while it is open (the
    template found by name, those for the request's type first)."""
    if not isinstance(obj, HRRequest) or not actor.has_role("hr"):
        return None
    letters = list(Letter.objects.visible_to(actor).filter(hr_request=obj).select_related("template"))
    is_open = "fulfill" in available_transitions(obj)
    picker = RowPicker(url=reverse("admin:letters_lettertemplate_pick") + "?" + urlencode({"type": obj.type}),
                       tenant_id=obj.tenant_id, testid="letter-template", attrs={"id": "letter-template"})
    may_generate = is_open and usable_templates(actor).exists()
    html = render_to_string("letters/admin_panel.html", {
        "letters": [(letter, reverse("admin:letters_letter_change", args=[letter.pk])) for letter in letters],
        "template_picker": picker.render("template", None) if may_generate else "", "request_obj": obj,
        "generate_url": reverse("admin:letters_letter_generate", args=[obj.pk]), "open": is_open}, request=request)
    return html, picker.media if may_generate else None


@admin.register(Letter)
class LetterAdmin(TenantAdmin):
    record_actions = LETTER_ACTIONS
    list_display = ("__str__", "status", "template_version", "requester_id", "created_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("hr_request__id__exact", "requester_id__exact")
    list_select_related = ("template",)  # __str__ names the template: one join, not a query per row
    shows_waiting = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a letter stays on record (a draft is discarded, a sent one is the request's file)

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": ("status", "hr_request_link", "template", "template_version", "requester_id",
                                   "sent_at", "sent_by", "file_link", "preview")}),
                ("Audit", {"classes": ["collapse"], "fields": self.audit_fields})]

    def get_readonly_fields(self, request, obj=None):
        return ("status", "hr_request_link", "template", "template_version", "requester_id", "sent_at", "sent_by",
                "file_link", "preview", *self.audit_fields)

    @admin.display(description="HR request")
    def hr_request_link(self, obj):
        return format_html('<a href="{}" class="underline">{}</a>',
                           reverse("admin:operations_hrrequest_change", args=[obj.hr_request_id]), obj.hr_request)

    @admin.display(description="PDF")
    def file_link(self, obj):
        if obj.attachment_id:
            return format_html('<a href="{}" class="underline" data-testid="letter-file">The PDF on the request</a>',
                               reverse("admin:files_attachment_download", args=[obj.attachment_id]))
        return format_html('<a href="{}" target="_blank" class="underline" data-testid="letter-pdf">Open the PDF</a>',
                           reverse("admin:letters_letter_pdf", args=[obj.pk]))

    @admin.display(description="Letter")
    def preview(self, obj):
        # The letter's HTML was sanitised when it was made (apps.core.rendering) and its values escaped.
        return mark_safe(f'<div class="letter-preview" data-testid="letter-preview" style="max-width:48rem;'  # noqa: S308
                         f'border:1px solid #d1d5db;border-radius:6px;padding:1.5rem;background:#fff;color:#111">'
                         f'{obj.html.replace("<p>", "<p style=\"margin:0 0 0.8em\">")}</div>')

    def object_buttons(self, request, obj) -> list[dict]:
        actor = principal_for(request, obj)
        if obj.status != LetterStatus.DRAFT or actor is None or not actor.has_role("hr"):
            return []
        return [{"label": "Send to the requester", "url": reverse("admin:letters_letter_send", args=[obj.pk]),
                 "testid": "letter-send"},
                {"label": "Discard", "url": reverse("admin:letters_letter_discard", args=[obj.pk]),
                 "testid": "letter-discard"}]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("generate/<str:request_id>/", view(self.generate_view), name="letters_letter_generate"),
                path("<str:object_id>/pdf/", view(self.pdf_view), name="letters_letter_pdf"),
                path("<str:object_id>/send/", view(self.send_view), name="letters_letter_send"),
                path("<str:object_id>/discard/", view(self.discard_view), name="letters_letter_discard"),
                *super().get_urls()]

    def _letter(self, request, object_id) -> Letter:
        letter = self.get_object(request, unquote(object_id))
        if letter is None:
            raise Http404("No such letter in your tenant.")
        return letter

    def generate_view(self, request, request_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        actor = principal_for(request)
        hr_request = HRRequest.objects.visible_to(actor).filter(pk=request_id).first() if actor else None
        template = (LetterTemplate.objects.visible_to(actor).filter(pk=request.POST.get("template", "")).first()
                    if actor else None)
        if hr_request is None:
            raise Http404("No such HR request in your tenant.")
        back = reverse("admin:operations_hrrequest_change", args=[hr_request.pk])
        if template is None:
            self.message_user(request, "Choose a letter template.", messages.ERROR)
            return HttpResponseRedirect(back)
        try:
            letter = letter_generate(actor=actor, hr_request=hr_request, template=template)
        except (DomainError, ValidationError) as exc:
            self.message_user(request, _reason(exc), messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(request, "The letter is ready for your review: read it, then send it or discard it.",
                          messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:letters_letter_change", args=[letter.pk]))

    def pdf_view(self, request, object_id):
        letter = self._letter(request, object_id)
        response = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{letter.pk}.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = DOWNLOAD_CSP.replace("; sandbox", "")  # the browser's PDF viewer
        response["Cache-Control"] = "private, no-store"
        return response

    def _act(self, request, object_id, service, done: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        letter = self._letter(request, object_id)
        try:
            service(actor=principal_for(request, letter), letter=letter)
        except (DomainError, ValidationError) as exc:
            self.message_user(request, _reason(exc), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:letters_letter_change", args=[letter.pk]))

    def send_view(self, request, object_id):
        return self._act(request, object_id, letter_send,
                         "Sent: the PDF is attached to the request, the request is fulfilled and the requester told.")

    def discard_view(self, request, object_id):
        return self._act(request, object_id, letter_discard, "Discarded.")
