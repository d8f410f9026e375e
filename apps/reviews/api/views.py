from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.viewsets import CreateRecordMixin, DeleteRecordMixin, RecordViewSet, UpdateRecordMixin

from ..actions import REVIEW_CAMPAIGN_ACTIONS, REVIEW_ITEM_ACTIONS
from ..models import ReviewCampaign, ReviewItem, ReviewTally
from ..services import progress_rows, review_campaign_keep_low_risk
from .serializers import (
    KeepLowRiskBody,
    KeepLowRiskResult,
    ProgressSerializer,
    ReviewCampaignSerializer,
    ReviewItemSerializer,
)


class ReviewCampaignViewSet(CreateRecordMixin, UpdateRecordMixin, DeleteRecordMixin, RecordViewSet):
    """Access review campaigns (IT and admins; reviewers see the campaigns they review in)."""

    queryset = ReviewCampaign.objects.all()
    serializer_class = ReviewCampaignSerializer
    record_actions = REVIEW_CAMPAIGN_ACTIONS

    @extend_schema(summary="Progress by reviewer and by system", responses=ProgressSerializer)
    @action(detail=True, methods=["get"], url_path="progress", filter_backends=[], pagination_class=None)
    def progress(self, request, pk=None):
        """Counted as decisions are made: a bounded read whatever the campaign's size."""
        c = self.get_object()
        return Response(ProgressSerializer({
            "total": c.items_total, "kept": c.items_kept, "revoked": c.items_revoked,
            "unanswered": c.items_unanswered, "pending": c.items_pending, "revokes_done": c.revokes_done,
            "revokes_failed": c.revokes_failed, "reviewers": progress_rows(c, ReviewTally.REVIEWER),
            "systems": progress_rows(c, ReviewTally.SYSTEM)}).data)

    @extend_schema(summary="Keep all your undecided low-risk items", request=KeepLowRiskBody,
                   responses=KeepLowRiskResult)
    @action(detail=True, methods=["post"], url_path="keep-low-risk", filter_backends=[])
    def keep_low_risk(self, request, pk=None):
        """Items you may not decide (you hold or lately approved the access) are left for the campaign owner."""
        campaign = self.get_object()  # another tenant's campaign is a 404 before the body is read
        body = KeepLowRiskBody(data=request.data)
        body.is_valid(raise_exception=True)
        kept = review_campaign_keep_low_risk(actor=request.user, review_campaign=campaign,
                                             comment=body.validated_data["comment"])
        return Response(KeepLowRiskResult({"kept": kept}).data)


class ReviewItemViewSet(RecordViewSet):
    """Review items: reviewers see theirs (and campaign owners their campaigns'); decide with keep/revoke."""

    queryset = ReviewItem.objects.all()
    serializer_class = ReviewItemSerializer
    record_actions = REVIEW_ITEM_ACTIONS
