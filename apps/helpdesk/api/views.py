from apps.core.api.viewsets import CreateRecordMixin, RecordViewSet, UpdateRecordMixin

from ..models import SLAPolicy, Ticket
from .serializers import SLAPolicySerializer, TicketSerializer


class TicketViewSet(CreateRecordMixin, UpdateRecordMixin, RecordViewSet):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer


class SLAPolicyViewSet(CreateRecordMixin, UpdateRecordMixin, RecordViewSet):
    queryset = SLAPolicy.objects.all()
    serializer_class = SLAPolicySerializer
