from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.pagination import NewestFirstCursorPagination
from apps.core.api.viewsets import CreateRecordMixin, DeleteRecordMixin, RecordViewSet, UpdateRecordMixin

from apps.core.api.filters import StrictBooleanFilter

from .. import actions
from ..models import AccessSystem, Application, Connector, DriftFinding, Entitlement, IntegrationApiKey, Webhook
from ..services import integration_api_key_rotate
from . import serializers as s


class ApplicationViewSet(CreateRecordMixin, UpdateRecordMixin, RecordViewSet):
    queryset = Application.objects.all()
    serializer_class = s.ApplicationSerializer
    record_actions = actions.APPLICATION_ACTIONS


class ConnectorViewSet(CreateRecordMixin, UpdateRecordMixin, DeleteRecordMixin, RecordViewSet):
    queryset = Connector.objects.all()
    serializer_class = s.ConnectorSerializer
    record_actions = actions.CONNECTOR_ACTIONS


class IntegrationApiKeyViewSet(CreateRecordMixin, RecordViewSet):
    queryset = IntegrationApiKey.objects.all()
    serializer_class = s.IntegrationApiKeySerializer
    record_actions = actions.INTEGRATION_API_KEY_ACTIONS

    @extend_schema(summary="Rotate: a new key (shown once); the old one expires after a grace period",
                   request=s.RotateBody, responses={201: s.IntegrationApiKeySerializer})
    @action(detail=True, methods=["post"], url_path="rotate", filter_backends=[])
    def rotate(self, request, pk=None):
        """The response carries the new key once; store it, it cannot be read again."""
        body = s.RotateBody(data=request.data or {})
        body.is_valid(raise_exception=True)
        new = integration_api_key_rotate(actor=self.actor, obj=self.get_object(), **body.validated_data)
        return self.respond(new, status.HTTP_201_CREATED)


class WebhookViewSet(CreateRecordMixin, UpdateRecordMixin, DeleteRecordMixin, RecordViewSet):
    queryset = Webhook.objects.all()
    serializer_class = s.WebhookSerializer
    record_actions = actions.WEBHOOK_ACTIONS

    @extend_schema(summary="Delivery log of this webhook, newest first", responses=s.WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"], url_path="deliveries", filter_backends=[],
            pagination_class=NewestFirstCursorPagination)
    def deliveries(self, request, pk=None):
        """Each event sent to this webhook with its attempts, status and last error."""
        webhook = self.get_object()
        page = self.paginate_queryset(webhook.deliveries.all())
        return self.get_paginated_response(s.WebhookDeliverySerializer(page, many=True).data)


class AccessSystemViewSet(CreateRecordMixin, UpdateRecordMixin, DeleteRecordMixin, RecordViewSet):
    """The access catalog's systems: members list the active ones, IT and admins manage them."""

    queryset = AccessSystem.objects.all()
    serializer_class = s.AccessSystemSerializer
    record_actions = actions.ACCESS_SYSTEM_ACTIONS


class EntitlementViewSet(CreateRecordMixin, UpdateRecordMixin, DeleteRecordMixin, RecordViewSet):
    """The access catalog's entitlements: members list the requestable ones (`?system=&risk=&requestable=`)."""

    queryset = Entitlement.objects.all()
    serializer_class = s.EntitlementSerializer
    record_actions = actions.ENTITLEMENT_ACTIONS
    select_related = ("system",)
    extra_filters = {"requestable": StrictBooleanFilter(field_name="is_requestable")}


class DriftFindingViewSet(RecordViewSet):
    """Drift found by `sync_connector` between a target and the grants recorded here (IT, admins and the
    entitlement's owner see it). Made by the sync only; resolved by its actions."""

    queryset = DriftFinding.objects.all()
    serializer_class = s.DriftFindingSerializer
    record_actions = actions.DRIFT_FINDING_ACTIONS
