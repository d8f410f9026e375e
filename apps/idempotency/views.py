"""The DRF side of idempotency keys: a view mixin RecordViewSet (every API view) takes first."""
from django.db import transaction
from django.http import HttpResponse

from rest_framework.response import Response

from apps.core.api.errors import PROBLEM, problem

from . import services

IDEMPOTENT_VIEW_ATTR = "idempotent_writes"


class IdempotentWritesMixin:
    """POST and PATCH with `Idempotency-Key` (apps/idempotency/services.py): the request and its
    stored answer run in one transaction; the key is claimed once the caller is authenticated."""

    idempotent_writes = True

    def _wants_idempotency(self, request) -> bool:
        return request.method in services.METHODS and services.HEADER in request.headers

    def dispatch(self, request, *args, **kwargs):
        if not self._wants_idempotency(request):
            return super().dispatch(request, *args, **kwargs)
        self._idempotency_claim = None
        try:
            with transaction.atomic():
                request.own_transaction = True  # a refused request rolls this transaction back (api/errors.py)
                response = super().dispatch(request, *args, **kwargs)
                claim = self._idempotency_claim
                if claim is not None and 200 <= response.status_code < 300:
                    response.render()
                    services.idempotency_key_store(
                        claim=claim, status_code=response.status_code,
                        content_type=response.get("Content-Type", "application/json"), body=response.content,
                        headers={name: response[name] for name in services.KEPT_HEADERS if response.has_header(name)})
                return response
        except services.IdempotencyKeyInUse as exc:  # raised by the store, after the view answered
            response = Response(problem(exc.status, exc.detail, code=exc.code, title=exc.title), status=exc.status,
                                content_type=PROBLEM)
            return self.finalize_response(self.request, response, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self._wants_idempotency(request):
            fingerprint = services.request_fingerprint(
                method=request.method, path=request.path, query=request.META.get("QUERY_STRING", ""),
                data=request.data)
            self._idempotency_claim = services.idempotency_key_claim(
                principal=request.user, key=request.headers[services.HEADER], fingerprint=fingerprint)

    def handle_exception(self, exc):
        if isinstance(exc, services.Replay):
            stored = exc.stored
            response = HttpResponse(stored.body, status=stored.status_code, content_type=stored.content_type)
            for name, value in stored.headers.items():
                response[name] = value
            response[services.REPLAYED_HEADER] = "true"
            return response
        return super().handle_exception(exc)
