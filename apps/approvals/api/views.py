from apps.core.api.viewsets import CreateRecordMixin, RecordViewSet

from ..actions import APPROVAL_REQUEST_ACTIONS, APPROVAL_STEP_ACTIONS
from ..models import ApprovalRequest, ApprovalStep
from .serializers import ApprovalRequestSerializer, ApprovalStepSerializer


class ApprovalRequestViewSet(CreateRecordMixin, RecordViewSet):
    queryset = ApprovalRequest.objects.all()
    serializer_class = ApprovalRequestSerializer
    record_actions = APPROVAL_REQUEST_ACTIONS


class ApprovalStepViewSet(RecordViewSet):
    queryset = ApprovalStep.objects.all()
    serializer_class = ApprovalStepSerializer
    select_related = ("approval_request",)
    record_actions = APPROVAL_STEP_ACTIONS
