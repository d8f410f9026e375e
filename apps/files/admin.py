"""Files in the admin: a "Files" section on the page of every record that takes them (list,
download, images previewed, upload, remove), and a read-only list of the tenant's files."""
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from apps.core.admin_base import TenantAdmin

from apps.core.admin_scope import principal_for
from apps.core.admin_panels import record_panel
from apps.core.exceptions import DomainError
from apps.core.people import display_people

from .download import download_response
from .errors import FileNotDownloadable, FileNotFound
from .models import Attachment
from .records import find_visible, type_of_model
from .actions import ATTACHMENT_ACTIONS
from .services import attachment_delete, attachment_get, attachment_open, file_attach


def _files_of(actor, obj) -> tuple[list[dict], list[tuple[str, str]]]:
    """The files shown on `obj`'s page and where an upload may go: [(record ref, label)].
    A ticket shows its comments' files too (an e-mailed screenshot arrives on a comment); a policy
    its versions'."""
    from apps.helpdesk.models import Ticket
    from apps.policies.models import Policy

    visible = Attachment.objects.visible_to(actor)
    if isinstance(obj, Policy):
        kind = type_of_model(obj.versions.model)
        versions = list(obj.versions.order_by("-id"))
        refs = {kind.ref_of(v): f"Version {v.version}" for v in versions}
        files = visible.filter(record_type=kind.label, record_id__in=list(refs))
        targets = list(refs.items()) if kind.may_attach(actor) else []
        return _rows(actor, files, refs), targets
    kind = type_of_model(type(obj))
    if kind is None:
        return None, []
    refs = {kind.ref_of(obj): ""}
    files = visible.filter(record_type=kind.label, record_id=kind.ref_of(obj))
    if isinstance(obj, Ticket):
        comment_kind = type_of_model(obj.comments.model)
        comments = comment_kind.visible_rows(actor).filter(ticket=obj).values_list("pk", flat=True)
        refs.update({pk: "On a comment" for pk in comments})
        files = visible.filter(record_type__in=[kind.label, comment_kind.label], record_id__in=list(refs))
    return _rows(actor, files, refs), [(kind.ref_of(obj), "This record")] if kind.may_attach(actor) else []


def _rows(actor, files, refs: dict) -> list[dict]:
    files = list(files.order_by("id"))
    people = display_people(actor.tenant_id, {f.created_by for f in files})
    return [{"file": f, "where": refs.get(f.record_id, ""), "by": people.get(f.created_by, f.created_by or "—"),
             "url": reverse("admin:files_attachment_download", args=[f.pk]),
             "delete_url": reverse("admin:files_attachment_remove", args=[f.pk])
             if f.created_by == actor.person_id or actor.has_role() else None}
            for f in files]


@record_panel
def files_panel(request, obj, actor):
    rows, targets = _files_of(actor, obj)
    if rows is None:
        return None
    return render_to_string("admin/files/panel.html", {
        "rows": rows, "targets": targets, "upload_url": reverse("admin:files_attachment_upload"),
        "next": request.get_full_path()}, request=request)


def _back(request, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = fallback
    return HttpResponseRedirect(target)


@admin.register(Attachment)
class AttachmentAdmin(TenantAdmin):
    """The tenant's files one may see (by their records); added on a record's page, never here."""

    record_actions = ATTACHMENT_ACTIONS
    list_display = ("filename", "record_type", "record_id", "content_type", "size", "origin", "scan_status", "created_at")
    list_filter = ("record_type", "origin", "scan_status")
    search_fields = ("filename", "record_id")
    readonly_fields = ("filename", "record_type", "record_id", "content_type", "size", "sha256", "origin",
                       "scan_status", "scan_detail", "purged_at")
    shows_waiting = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="files_attachment_upload"),
            path("<str:object_id>/download/", self.admin_site.admin_view(self.download_view),
                 name="files_attachment_download"),
            path("<str:object_id>/remove/", self.admin_site.admin_view(self.remove_view), name="files_attachment_remove"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        actor = principal_for(request)
        kind, record = find_visible(actor, request.POST.get("record_id", "")) if actor else (None, None)
        if record is None:
            raise Http404("No such record in your tenant.")
        upload = request.FILES.get("file")
        fallback = reverse("admin:index")
        if upload is None:
            self.message_user(request, "Choose a file to upload.", messages.ERROR)
            return _back(request, fallback)
        try:
            attachment = file_attach(actor=actor, record=record, filename=upload.name, content=upload)
        except (DomainError, ValidationError) as exc:
            self.message_user(request, f"{upload.name}: {getattr(exc, 'detail', None) or exc}", messages.ERROR)
        else:
            self.message_user(request, f"{attachment.filename} added.", messages.SUCCESS)
        return _back(request, fallback)

    def download_view(self, request, object_id):
        actor = principal_for(request)
        if actor is None:
            raise Http404
        try:
            attachment, handle = attachment_open(actor=actor, attachment_id=object_id)
        except FileNotFound as exc:
            raise Http404(str(exc)) from exc
        except FileNotDownloadable as exc:
            return HttpResponse(exc.detail, status=409, content_type="text/plain; charset=utf-8")
        return download_response(attachment, handle, inline=request.GET.get("inline") == "1")

    def remove_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        actor = principal_for(request)
        try:
            attachment = attachment_get(actor=actor, attachment_id=object_id) if actor else None
        except FileNotFound:
            attachment = None
        if attachment is None:
            raise Http404("No such file in your tenant.")
        try:
            attachment_delete(actor=actor, obj=attachment)
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
        else:
            self.message_user(request, f"{attachment.filename} removed.", messages.SUCCESS)
        return _back(request, reverse("admin:files_attachment_changelist"))
