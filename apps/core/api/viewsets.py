"""The one base viewset: tenant/visibility scoping, services for writes, generated transitions."""
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.query import ModelIterable
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.idempotency.views import IdempotentWritesMixin

from .. import services
from ..actions import Actions, run_transition
from ..exceptions import TransitionConflict
from ..fsm import available_transitions
from ..models import TenantQuerySet
from .conventions import base_queryset
from .deprecation import Deprecation, mark_deprecated
from ..scopes import API_DOMAINS
from .filters import build_filterset, ordering_fields, text_fields

class RecordViewSet(IdempotentWritesMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Declare `queryset`, `serializer_class` and `record_actions`, the model's map of named actions
    (apps/<domain>/actions.py; the generic record services when the model has none of its own)."""

    lookup_value_regex = "[^/]+"
    record_actions: Actions
    # Filters added to the generated ones: {"name": django_filters.Filter}
    extra_filters: dict = {}
    select_related: tuple = ()
    # Operations on their way out: {"action name": Deprecation(...)} (apps/core/api/deprecation.py)
    deprecated_actions: dict[str, Deprecation] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        queryset = cls.__dict__.get("queryset")
        if queryset is None:
            return
        model = queryset.model
        if not isinstance(queryset, TenantQuerySet) or queryset._iterable_class is not ModelIterable:
            raise ImproperlyConfigured(f"{cls.__name__}.queryset must be a TenantModel queryset: every read is scoped "
                                       "by the model's visibility (apps/core/visibility.py)")
        cls.domain = model._meta.app_label
        if cls.domain not in API_DOMAINS:
            raise ImproperlyConfigured(f"{cls.__name__}: add {cls.domain!r} to apps.core.scopes.API_DOMAINS, the scopes "
                                       "an API key may hold")
        if "filterset_class" not in cls.__dict__:
            cls.filterset_class = build_filterset(model, cls.extra_filters)
        if "search_fields" not in cls.__dict__:
            cls.search_fields = text_fields(model)
        if "ordering_fields" not in cls.__dict__:
            cls.ordering_fields = ordering_fields(model)
        actions = cls.__dict__.get("record_actions")
        if actions is None:
            cls.record_actions = actions = Actions(model)
        elif actions.model is not model:
            raise ImproperlyConfigured(f"{cls.__name__}.record_actions is the map of {actions.model.__name__}, "
                                       f"not of {model.__name__}")
        for name, function in actions.by_name.items():
            if actions.info(name).exposed and not hasattr(cls, f"transition_{name}"):
                setattr(cls, f"transition_{name}", _transition_action(cls, actions, function))

    # -- transactions: every write goes through one service call, and every service is one
    # transaction (@transaction.atomic) holding the change, its history and its outbox event.
    # The request itself opens none (no extra BEGIN/COMMIT or savepoint round trips) --
    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(actions, **initkwargs))

    def dispatch(self, request, *args, **kwargs):
        if not transaction.get_connection().in_atomic_block:
            return super().dispatch(request, *args, **kwargs)
        # Inside a caller's transaction (a savepoint then): errors are answered inside and roll
        # this block back (api/errors.py), leaving the outer transaction usable.
        with transaction.atomic():
            request.own_transaction = True
            return super().dispatch(request, *args, **kwargs)

    # -- reads: the class-level queryset (with whatever it filters), scoped to the caller --
    def get_queryset(self):
        qs = base_queryset(self).visible_to(self.request.user)
        return qs.select_related(*self.select_related) if self.select_related else qs

    def filter_queryset(self, queryset):
        if self.action != "list":  # filters, search and ordering shape lists; a read by id skips them
            return queryset
        return super().filter_queryset(queryset)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        mark_deprecated(self, request, response)
        return response

    @property
    def actor(self):
        return self.request.user

    def respond(self, obj, code=status.HTTP_200_OK) -> Response:
        response = Response(self.get_serializer(obj).data, status=code)
        response["ETag"] = services.etag_of(obj)
        return response

    def retrieve(self, request, *args, **kwargs):
        return self.respond(self.get_object())

    def if_match(self) -> str | None:
        return self.request.headers.get("If-Match")


class CreateRecordMixin:
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.record_actions.create(actor=self.actor, data=serializer.validated_data)
        return self.respond(obj, status.HTTP_201_CREATED)


class UpdateRecordMixin:
    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(obj, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        obj = self.record_actions.save(actor=self.actor, obj=obj, data=serializer.validated_data,
                                       if_match=self.if_match())
        return self.respond(obj)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


class DeleteRecordMixin:
    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        self.record_actions.delete(actor=self.actor, obj=obj, if_match=self.if_match())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _transition_action(viewset_cls, actions: Actions, function):
    """The POST route of one transition: its body validated by the action's serializer, whose
    validated data are the action's keyword arguments."""
    name = function.transition
    body_class = actions.body(name)

    def handler(self, request, *args, **kwargs):
        obj = self.get_object()
        if name not in available_transitions(obj):  # state first: a 409 says more than a 400
            raise TransitionConflict(f"'{name}' is not allowed from status {obj.status!r}.",
                                     allowed_transitions=available_transitions(obj))
        body = body_class(data=request.data if request.data else {}, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        obj = run_transition(function, actor=self.actor, obj=obj, if_match=self.if_match(), **body.validated_data)
        return self.respond(obj)

    handler.__name__ = f"transition_{name}"
    handler.__doc__ = None  # the schema describes it from the transition (apps/core/api/schema.py)
    # @action first, extend_schema on top: @action resets the schema kwargs of what it wraps.
    handler = action(detail=True, methods=["post"], url_path=name, url_name=name)(handler)
    return extend_schema(request=body_class, responses={200: viewset_cls.serializer_class})(handler)
