from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.pagination import NewestFirstCursorPagination
from apps.core.api.viewsets import CreateRecordMixin, RecordViewSet, UpdateRecordMixin

from ..actions import TICKET_ACTIONS
from ..models import SLAPolicy, Ticket, TicketComment
from ..services import ticket_comment_create
from .serializers import SLAPolicySerializer, TicketCommentSerializer, TicketSerializer


class OldestFirstCursorPagination(NewestFirstCursorPagination):
    ordering = "id"


class TicketViewSet(CreateRecordMixin, UpdateRecordMixin, RecordViewSet):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    record_actions = TICKET_ACTIONS

    @extend_schema(summary="Replies and internal notes, oldest first (members see public replies only)",
                   responses=TicketCommentSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="comments", pagination_class=OldestFirstCursorPagination,
            filter_backends=[])
    def comments(self, request, pk=None):
        """The conversation on the ticket, one cursor page at a time."""
        ticket = self.get_object()
        comments = TicketComment.objects.visible_to(request.user).filter(ticket=ticket)
        page = self.paginate_queryset(comments)
        return self.get_paginated_response(TicketCommentSerializer(page, many=True).data)

    @extend_schema(summary="Reply to the ticket or add an internal note; the first public reply by someone "
                           "other than the submitter stamps first_response_at",
                   request=TicketCommentSerializer, responses={201: TicketCommentSerializer})
    @comments.mapping.post
    def add_comment(self, request, pk=None):
        """Agents and admins may write internal notes; others write public replies."""
        ticket = self.get_object()
        body = TicketCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = ticket_comment_create(actor=request.user, ticket=ticket, **body.validated_data)
        return Response(TicketCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class SLAPolicyViewSet(CreateRecordMixin, UpdateRecordMixin, RecordViewSet):
    queryset = SLAPolicy.objects.all()
    serializer_class = SLAPolicySerializer
