from apps.core.api.viewsets import CreateRecordMixin, DeleteRecordMixin, RecordViewSet, UpdateRecordMixin

from ..models import AccessRequest, Equipment, HRRequest, Pending, Travel
from . import serializers as s


class CrudViewSet(CreateRecordMixin, UpdateRecordMixin, DeleteRecordMixin, RecordViewSet):
    pass


class AccessRequestViewSet(CrudViewSet):
    queryset = AccessRequest.objects.all()
    serializer_class = s.AccessRequestSerializer
    transition_bodies = {"provision": s.ProvisionAccessBody, "renew": s.RenewAccessBody}


class HRRequestViewSet(CrudViewSet):
    queryset = HRRequest.objects.all()
    serializer_class = s.HRRequestSerializer
    transition_bodies = {"fulfill": s.FulfillBody, "reject": s.RejectHRBody}


class PendingViewSet(CrudViewSet):
    queryset = Pending.objects.all()
    serializer_class = s.PendingSerializer


class EquipmentViewSet(CrudViewSet):
    queryset = Equipment.objects.all()
    serializer_class = s.EquipmentSerializer
    transition_bodies = {"provision": s.OrderEquipmentBody}


class TravelViewSet(CrudViewSet):
    queryset = Travel.objects.all()
    serializer_class = s.TravelSerializer
    transition_bodies = {"complete": s.CompleteTravelBody, "book": s.BookTravelBody}
