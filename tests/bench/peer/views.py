"""ModelViewSet + ModelSerializer + DjangoFilterBackend + CursorPagination, scoped to the caller's tenant."""
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.core.models import Counter
from apps.helpdesk.models import Ticket
from apps.operations.models import AccessRequest

from .serializers import AccessRequestSerializer, TicketSerializer


class NewestFirst(CursorPagination):
    ordering = "-id"
    page_size = 50  # the project's default page (apps/core/api/pagination.py)
    page_size_query_param = "page_size"
    max_page_size = 500


class TenantViewSet(viewsets.ModelViewSet):
    pagination_class = NewestFirst
    renderer_classes = (JSONRenderer,)  # DRF's default, whatever the project's settings choose
    filter_backends = (DjangoFilterBackend,)

    def get_queryset(self):
        return self.queryset.filter(tenant_id=self.request.user.tenant_id)

    def run_transition(self, apply):
        obj = self.get_object()
        try:
            apply(obj)
            obj.save()
        except (TransitionNotAllowed, ConcurrentTransition) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(obj).data)


class TicketViewSet(TenantViewSet):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    filterset_fields = ("status", "priority", "type", "category", "assigned_to_id")

    def perform_create(self, serializer):
        user = self.request.user
        with transaction.atomic():  # the counter row stays locked until the ticket is in
            number = Counter.next_value(tenant_id=user.tenant_id, name="ticket")  # tickets are unique per number
            serializer.save(tenant_id=user.tenant_id, number=f"TKT-{number:04d}", submitted_by_id=user.person_id,
                            created_by=user.person_id)

    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self.run_transition(lambda ticket: ticket.resolve())


class AccessRequestViewSet(TenantViewSet):
    queryset = AccessRequest.objects.all()
    serializer_class = AccessRequestSerializer
    filterset_fields = ("status", "access_type", "system_id", "requester_id")

    def perform_create(self, serializer):
        user = self.request.user
        serializer.save(tenant_id=user.tenant_id, requester_id=serializer.validated_data.get("requester_id")
                        or user.person_id, created_by=user.person_id)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.run_transition(lambda access: access.approve(actor=request.user))
