"""The webhook admin's view of the circuit breaker: the backlog a paused webhook keeps, and
"Replay from …" (a time range sent again through `webhook_replay`)."""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from apps.core.admin_scope import principal_for
from apps.core.exceptions import DomainError

from .choices import DeliveryStatus
from .models import WebhookDelivery
from .services import webhook_replay

WAITING = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.DELIVERING])


def backlog_of(webhook) -> dict:
    """How many deliveries wait and since when (the partial index of due work answers it)."""
    return WebhookDelivery.objects.filter(WAITING, webhook_id=webhook.pk).aggregate(
        waiting=Count("id"), oldest=Min("created_at"))


class ReplayForm(forms.Form):
    since = forms.DateTimeField(label="Replay from", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                help_text="Events from this time on (your time zone: UTC) are sent again.")
    until = forms.DateTimeField(label="Until", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                help_text="Empty: up to now.")


class WebhookBacklogMixin:
    """For `WebhookAdmin`: a `backlog` column, a `breaker` panel and the replay page."""

    def get_queryset(self, request):
        waiting = (WebhookDelivery.objects.filter(WAITING, webhook_id=OuterRef("pk")).order_by()
                   .values("webhook_id").annotate(n=Count("id")).values("n"))
        return super().get_queryset(request).annotate(
            waiting_deliveries=Coalesce(Subquery(waiting, output_field=IntegerField()), 0))

    def get_fields(self, request, obj=None):
        """The delivery state beside *enabled* and *paused at*, which change it."""
        fields = [f for f in super().get_fields(request, obj) if f != "breaker"]
        if obj is not None and "enabled" in fields:
            fields.insert(fields.index("enabled"), "breaker")
        return fields

    @staticmethod
    def backlog(obj) -> int:
        return getattr(obj, "waiting_deliveries", None) or 0

    backlog.short_description = "waiting"

    def breaker(self, obj) -> str:
        if obj is None or not obj.pk:
            return "-"
        backlog = backlog_of(obj)
        if obj.paused_at is None:
            state = "Sending" if not obj.consecutive_failures else (
                f"Sending; {obj.consecutive_failures} failures in a row since {obj.failing_since:%Y-%m-%d %H:%M} UTC")
        else:
            probe = f"next probe {obj.probe_at:%Y-%m-%d %H:%M:%S} UTC" if obj.probe_at else "no probe planned"
            state = (f"Paused since {obj.paused_at:%Y-%m-%d %H:%M} UTC ({probe}, {obj.failed_probes} failed probes). "
                     "Clear “paused at” or tick “enabled” to resume now.")
        oldest = f", the oldest from {backlog['oldest']:%Y-%m-%d %H:%M} UTC" if backlog["oldest"] else ""
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_replay", args=[obj.pk], current_app=self.admin_site.name)
        return format_html(
            '{}<br><span data-testid="webhook-backlog">{} deliveries waiting{}</span>; a paused or disabled webhook keeps '
            'them {} days. <a href="{}" class="text-primary-600 underline" data-testid="replay-link">Replay from …</a>',
            state, backlog["waiting"], oldest, settings.WEBHOOK_BACKLOG_RETENTION_DAYS, url)

    breaker.short_description = "delivery state"

    def backlog_urls(self) -> list:
        info = self.model._meta.app_label, self.model._meta.model_name
        return [path("<path:object_id>/replay/", self.admin_site.admin_view(self.replay_view), name="%s_%s_replay" % info)]

    def replay_view(self, request, object_id):
        webhook = self.get_object(request, object_id)
        if webhook is None:
            raise Http404("No such record in your tenant.")
        if not self.has_change_permission(request, webhook):
            raise PermissionDenied
        form = ReplayForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            actor = principal_for(request, webhook)
            try:
                count = webhook_replay(actor=actor, webhook=webhook, since=form.cleaned_data["since"],
                                       until=form.cleaned_data.get("until"))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, f"{webhook.name}: {count} deliveries queued again (each with its own "
                                           "webhook-id)", messages.SUCCESS)
                opts = self.model._meta
                return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                                                    args=[webhook.pk], current_app=self.admin_site.name))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": webhook,
                   "title": f"Replay deliveries of {webhook.name}", "form": form, "backlog": backlog_of(webhook),
                   "now": timezone.now()}
        return TemplateResponse(request, "admin/integration/webhook/replay.html", context,
                                status=400 if request.method == "POST" else 200)
