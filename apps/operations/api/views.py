from apps.core.api.viewsets import CreateRecordMixin, DeleteRecordMixin, RecordViewSet, UpdateRecordMixin

from .. import actions
from ..models import AccessRequest, Equipment, HRRequest, Pending, Travel
from . import serializers as s


class CrudViewSet(CreateRecordMixin, UpdateRecordMixin, DeleteRecordMixin, RecordViewSet):
    pass


class AccessRequestViewSet(CrudViewSet):
    queryset = AccessRequest.objects.all()
    serializer_class = s.AccessRequestSerializer
    record_actions = actions.ACCESS_REQUEST_ACTIONS


class HRRequestViewSet(CrudViewSet):
    queryset = HRRequest.objects.all()
    serializer_class = s.HRRequestSerializer
    record_actions = actions.HR_REQUEST_ACTIONS


class PendingViewSet(CrudViewSet):
    queryset = Pending.objects.all()
    serializer_class = s.PendingSerializer
    record_actions = actions.PENDING_ACTIONS


class EquipmentViewSet(CrudViewSet):
    queryset = Equipment.objects.all()
    serializer_class = s.EquipmentSerializer
    record_actions = actions.EQUIPMENT_ACTIONS


class TravelViewSet(CrudViewSet):
    queryset = Travel.objects.all()
    serializer_class = s.TravelSerializer
    record_actions = actions.TRAVEL_ACTIONS
