from rest_framework import serializers

from apps.core.api.serializers import RecordSerializer

from ..models import Attachment


class AttachmentSerializer(RecordSerializer):
    download_url = serializers.SerializerMethodField(help_text="GET it (with your token) for the bytes, as an attachment.")

    class Meta(RecordSerializer.Meta):
        model = Attachment
        exclude = ("storage_name",)
        fields = None

    def get_download_url(self, obj) -> str:
        return f"/api/v1/files/attachments/{obj.pk}/content"


class AttachmentUploadSerializer(serializers.Serializer):
    """multipart/form-data: the record the file goes on, and the file."""

    record_id = serializers.CharField(max_length=64, help_text="The record's id: `tkt_…`, `tcm_…`, `hrr_…`, `trv_…`, "
                                      "`eqp_…`, `acr_…`, or `pvr_<n>` for a policy version.")
    file = serializers.FileField(allow_empty_file=True, help_text="The file; its type is detected from its bytes.")
