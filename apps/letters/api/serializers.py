from rest_framework import serializers

from apps.core.api.serializers import RecordSerializer

from ..models import Letter, LetterTemplate


class LetterTemplateSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = LetterTemplate  # placeholders are checked by the model's clean(), as in the admin


class LetterSerializer(RecordSerializer):
    pdf_url = serializers.SerializerMethodField(help_text="GET it (with your token) for the PDF as made.")
    file_url = serializers.SerializerMethodField(
        help_text="Once sent: the PDF as a file on the HR request (apps/files), which the requester sees too.")

    class Meta(RecordSerializer.Meta):
        model = Letter
        exclude = ("pdf",)
        fields = None

    def get_pdf_url(self, obj) -> str:
        return f"/api/v1/letters/letters/{obj.pk}/pdf"

    def get_file_url(self, obj) -> str | None:
        return f"/api/v1/files/attachments/{obj.attachment_id}/content" if obj.attachment_id else None


class LetterGenerateSerializer(serializers.Serializer):
    """The HR request (open) and the letter template (active) to make a draft letter from."""

    hr_request_id = serializers.CharField(max_length=64, help_text="The HR request's id (`hrr_…`).")
    template_id = serializers.CharField(max_length=40, help_text="The letter template's id (`ltt_…`).")


class LetterSendSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                 help_text="The fulfilment comment the requester reads (default: the PDF is attached).")
