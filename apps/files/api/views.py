from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser

from apps.core.api.parsers import LimitedJSONParser
from apps.core.api.viewsets import DeleteRecordMixin, RecordViewSet

from ..actions import ATTACHMENT_ACTIONS
from ..download import download_response
from ..errors import FileNotFound
from ..models import Attachment
from ..records import find_visible
from ..services import attachment_open, file_attach
from .serializers import AttachmentSerializer, AttachmentUploadSerializer

class AttachmentViewSet(DeleteRecordMixin, RecordViewSet):
    """Files on records: tickets, comments, HR requests, travel, equipment, access requests and policy
    versions. Whoever sees the record sees its files (and nobody else: another tenant's or person's
    file is a 404). List one record's files with `?record_id=`."""

    queryset = Attachment.objects.all()
    serializer_class = AttachmentSerializer
    record_actions = ATTACHMENT_ACTIONS
    parser_classes = [MultiPartParser, LimitedJSONParser]

    @extend_schema(summary="Upload a file to a record (multipart/form-data)",
                   request={"multipart/form-data": AttachmentUploadSerializer},
                   responses={201: AttachmentSerializer, 404: OpenApiResponse(description="No such record visible to you."),
                              413: OpenApiResponse(description="The file or the record's files are too large."),
                              415: OpenApiResponse(description="The file's content is not an accepted type, or its "
                                                   "name claims another type."),
                              503: OpenApiResponse(description="The file store failed; nothing was saved.")})
    def create(self, request, *args, **kwargs):
        upload = AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        _, record = find_visible(request.user, upload.validated_data["record_id"])
        if record is None:
            raise FileNotFound("No such record in your tenant.")
        file = upload.validated_data["file"]
        try:
            attachment = file_attach(actor=request.user, record=record, filename=file.name, content=file)
        finally:
            file.close()
        return self.respond(attachment, status.HTTP_201_CREATED)

    @extend_schema(summary="Download the file (as an attachment)",
                   parameters=[OpenApiParameter("inline", bool, description="Images only: shown inline (previews).")],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              409: OpenApiResponse(description="Quarantined by the malware scan, or not scanned yet.")})
    @action(detail=True, methods=["get"], url_path="content", filter_backends=[])
    def content(self, request, pk=None):
        attachment, handle = attachment_open(actor=request.user, attachment_id=pk)
        return download_response(attachment, handle, inline=request.query_params.get("inline") in ("1", "true"))
