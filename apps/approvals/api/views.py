from apps.core.api.viewsets import CreateRecordMixin, RecordViewSet

from ..models import ApprovalRequest, ApprovalStep
from .serializers import ApprovalRequestSerializer, ApprovalStepSerializer, DelegateBody


class ApprovalRequestViewSet(CreateRecordMixin, RecordViewSet):
    queryset = ApprovalRequest.objects.all()
    serializer_class = ApprovalRequestSerializer


class ApprovalStepViewSet(RecordViewSet):
    queryset = ApprovalStep.objects.all()
    serializer_class = ApprovalStepSerializer
    select_related = ("approval_request",)
    transition_bodies = {"delegate": DelegateBody}
