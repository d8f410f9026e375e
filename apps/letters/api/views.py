"""HR letters over the API: templates (HR writes them; each saved change a new version) and letters
(generated from an open HR request and a template as a draft, read with their PDF, then sent or
discarded). HR only, as in the admin; the requester gets the sent PDF as a file on their request."""
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action

from apps.core.api.viewsets import CreateRecordMixin, DeleteRecordMixin, RecordViewSet, UpdateRecordMixin
from apps.files.download import DOWNLOAD_CSP

from ..actions import LETTER_ACTIONS, LETTER_TEMPLATE_ACTIONS, letter_discard, letter_send
from ..models import Letter, LetterTemplate
from .serializers import LetterGenerateSerializer, LetterSendSerializer, LetterSerializer, LetterTemplateSerializer


class LetterTemplateViewSet(CreateRecordMixin, UpdateRecordMixin, DeleteRecordMixin, RecordViewSet):
    """Letter templates: Markdown with placeholders (`{{ person.name }}` …, checked when saved)."""

    queryset = LetterTemplate.objects.all()
    serializer_class = LetterTemplateSerializer
    record_actions = LETTER_TEMPLATE_ACTIONS


class LetterViewSet(RecordViewSet):
    """Letters made for HR requests, each recording the template version it was made from."""

    queryset = Letter.objects.all().defer("pdf")
    serializer_class = LetterSerializer
    record_actions = LETTER_ACTIONS

    @extend_schema(summary="Generate a draft letter from an HR request and a template",
                   request=LetterGenerateSerializer,
                   responses={201: LetterSerializer, 404: OpenApiResponse(description="No such request or template."),
                              409: OpenApiResponse(description="The request is not open, or the template not active.")})
    def create(self, request, *args, **kwargs):
        body = LetterGenerateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.respond(self.record_actions.create(actor=self.actor, data=body.validated_data),
                            status.HTTP_201_CREATED)

    @extend_schema(summary="Send the reviewed letter: the PDF goes on the request, which is fulfilled",
                   request=LetterSendSerializer, responses={200: LetterSerializer})
    @action(detail=True, methods=["post"], url_path="send", url_name="send")
    def send(self, request, pk=None):
        body = LetterSendSerializer(data=request.data if request.data else {})
        body.is_valid(raise_exception=True)
        return self.respond(letter_send(actor=self.actor, letter=self.get_object(), note=body.validated_data["note"]))

    @extend_schema(summary="Discard a draft letter", request=None, responses={200: LetterSerializer})
    @action(detail=True, methods=["post"], url_path="discard", url_name="discard")
    def discard(self, request, pk=None):
        return self.respond(letter_discard(actor=self.actor, letter=self.get_object()))

    @extend_schema(summary="The letter's PDF as made (for review)", responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="pdf", url_name="pdf", filter_backends=[])
    def pdf(self, request, pk=None):
        letter = Letter.objects.visible_to(self.actor).filter(pk=self.get_object().pk).only("pk", "pdf").get()
        response = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{letter.pk}.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = DOWNLOAD_CSP
        response["Cache-Control"] = "private, no-store"
        return response
