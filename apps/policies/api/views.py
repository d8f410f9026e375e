from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.pagination import NewestFirstCursorPagination
from apps.core.api.serializers import TransitionBody
from apps.core.api.viewsets import CreateRecordMixin, RecordViewSet, UpdateRecordMixin

from apps.directory.models import Group

from ..actions import ACKNOWLEDGEMENT_CAMPAIGN_ACTIONS, POLICY_ACTIONS
from ..campaigns import outstanding_of, with_progress
from ..models import AcknowledgementCampaign, Policy
from ..services import policy_acknowledge
from .serializers import (
    AcknowledgementCampaignSerializer,
    OutstandingPersonSerializer,
    PolicyAcknowledgementSerializer,
    PolicySerializer,
    PolicyVersionSerializer,
)


class PolicyViewSet(CreateRecordMixin, UpdateRecordMixin, RecordViewSet):
    queryset = Policy.objects.all()
    serializer_class = PolicySerializer
    record_actions = POLICY_ACTIONS

    @extend_schema(summary="Published versions of the policy, newest first", responses=PolicyVersionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="versions", pagination_class=NewestFirstCursorPagination,
            filter_backends=[])
    def versions(self, request, pk=None):
        """Each published text of the policy, one cursor page at a time."""
        policy = self.get_object()
        page = self.paginate_queryset(policy.versions.all())
        return self.get_paginated_response(PolicyVersionSerializer(page, many=True).data)

    @extend_schema(summary="Acknowledgements (staff see everyone's, others their own)",
                   responses=PolicyAcknowledgementSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="acknowledgements", pagination_class=NewestFirstCursorPagination,
            filter_backends=[])
    def acknowledgements(self, request, pk=None):
        """Who confirmed reading which version, newest first, one cursor page at a time."""
        policy = self.get_object()
        acks = policy.acknowledgements.all()
        if not Policy.visibility.sees_every_row(request.user):
            acks = acks.filter(person_id=request.user.person_id)
        page = self.paginate_queryset(acks)
        return self.get_paginated_response(PolicyAcknowledgementSerializer(page, many=True).data)

    @extend_schema(summary="Acknowledge that you read the current version", request=TransitionBody,
                   responses={201: PolicyAcknowledgementSerializer, 200: PolicyAcknowledgementSerializer})
    @action(detail=True, methods=["post"], url_path="acknowledge", filter_backends=[])
    def acknowledge(self, request, pk=None):
        """Once per person and version: repeating it answers 200 with the existing acknowledgement."""
        ack, created = policy_acknowledge(actor=request.user, obj=self.get_object())
        return Response(PolicyAcknowledgementSerializer(ack).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OutstandingPagination(NewestFirstCursorPagination):
    ordering = "id"


class AcknowledgementCampaignViewSet(CreateRecordMixin, UpdateRecordMixin, RecordViewSet):
    """Acknowledgement campaigns for policy versions (HR). Each row carries its progress, computed in
    the list's one query (correlated counts), not per row."""

    queryset = AcknowledgementCampaign.objects.all()
    serializer_class = AcknowledgementCampaignSerializer
    record_actions = ACKNOWLEDGEMENT_CAMPAIGN_ACTIONS

    def get_queryset(self):
        return with_progress(super().get_queryset()).prefetch_related(
            Prefetch("groups", queryset=Group.objects.only("id")))

    @extend_schema(summary="Who in the audience has not acknowledged yet", responses=OutstandingPersonSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="outstanding", pagination_class=OutstandingPagination,
            filter_backends=[])
    def outstanding(self, request, pk=None):
        """Active audience members without an acknowledgement of the campaign's version, by id."""
        campaign = self.get_object()
        page = self.paginate_queryset(outstanding_of(campaign).only("id", "display_name", "email"))
        return self.get_paginated_response(OutstandingPersonSerializer(page, many=True).data)
