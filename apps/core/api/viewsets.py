"""The one base viewset: tenant/visibility scoping, services for writes, generated transitions."""
import django_filters as df
from django.core.exceptions import ImproperlyConfigured
from django.db.models.query import ModelIterable
from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import query_templates, services
from ..exceptions import TransitionConflict
from ..fsm import available_transitions, transitions_of
from ..models import TenantQuerySet
from ..principal import Principal
from ..scopes import API_DOMAINS
from .filters import build_filterset, ordering_fields, text_fields
from .serializers import ReasonBody, TransitionBody

class RecordViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Declare `queryset`, `serializer_class` (and optionally `transition_bodies`)."""

    lookup_value_regex = "[^/]+"
    transition_bodies: dict = {}
    # Filters added to the generated ones: {"name": django_filters.Filter}
    extra_filters: dict = {}
    select_related: tuple = ()

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
        for info in transitions_of(model).values():
            if info.exposed and not hasattr(cls, f"transition_{info.name}"):
                setattr(cls, f"transition_{info.name}", _transition_action(cls, model, info))

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
        qs = self.queryset.all().visible_to(self.request.user)
        return qs.select_related(*self.select_related) if self.select_related else qs

    def filter_queryset(self, queryset):
        if self.action != "list":  # filters, search and ordering shape lists; a read by id skips them
            return queryset
        return super().filter_queryset(queryset)

    def list(self, request, *args, **kwargs):
        queryset = self._templated_list()
        if queryset is None:
            queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(self.get_serializer(queryset, many=True).data)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self):
        if not self._templatable():
            return super().get_object()
        key, values = self._scope()
        field = self.lookup_field
        values["pk"] = self.kwargs[self.lookup_url_kwarg or field]
        template = query_templates.template_for(
            key + ("get", field), self.queryset.db,
            lambda slot: self._scoped(slot, key).filter(**{field: slot("pk")}).order_by())
        if template is None:
            return super().get_object()
        rows = template.fetch(self.queryset.db, values)
        if not rows:
            raise Http404
        self.check_object_permissions(self.request, rows[0])
        return rows[0]

    # -- compiled reads (core/query_templates.py): the queryset get_queryset() builds, with
    # placeholders for the caller's values, compiled once per shape of the caller's visibility --
    def _templatable(self) -> bool:
        return (query_templates.enabled() and type(self).get_queryset is RecordViewSet.get_queryset
                and not self.select_related and isinstance(self.request.user, Principal))

    def _scope(self) -> tuple[tuple, dict]:
        """The shape of the caller's visibility (what changes the SQL) and its values (what doesn't)."""
        principal = self.request.user
        values = {"tenant": principal.tenant_id, "person": principal.person_id, "app": principal.app_id}
        return (type(self), self.queryset.model.visibility.shape(principal)), values

    def _scoped(self, slot, key):
        sees_all, has_app = key[1]
        return self.queryset.model.visibility.scope(
            self.queryset.all(), tenant_id=slot("tenant"), person_id=slot("person"),
            app_id=slot("app") if has_app else None, sees_all=sees_all)

    @classmethod
    def _enum_filters(cls) -> dict[str, tuple[str, frozenset]]:
        """Filters that are a plain `field = one of the choices`: {query name: (field, allowed values)}."""
        found = cls.__dict__.get("_enum_filter_map")
        if found is None:
            found = {}
            for name, flt in cls.filterset_class.base_filters.items():
                if type(flt) is df.ChoiceFilter and flt.lookup_expr == "exact" and flt.method is None \
                        and not flt.exclude and not flt.distinct:
                    allowed = frozenset(str(value) for value, _ in flt.extra.get("choices") or ()) - {flt.null_value}
                    found[name] = (flt.field_name, allowed)
            cls._enum_filter_map = found
        return found

    def _templated_list(self):
        """A list whose query names only a cursor, a page size and valid enum values; else None."""
        if (not self._templatable() or self.paginator is None or type(self).filter_queryset is not RecordViewSet.filter_queryset
                or list(self.filter_backends) != list(RecordViewSet.filter_backends)):
            return None  # the viewset filters its own way: the ordinary path honours it
        enum_filters = self._enum_filters()
        chosen = {}
        for name, given in self.request.query_params.lists():
            if name in ("cursor", "page_size"):
                continue
            spec = enum_filters.get(name)
            if spec is None or len(given) != 1 or given[0] not in spec[1]:
                return None  # search, ordering, other filters, bad values: the ordinary path (and its 400s)
            chosen[name] = given[0]
        key, values = self._scope()
        names = sorted(chosen)
        values.update({f"e{i}": chosen[name] for i, name in enumerate(names)})

        def build(slot):
            qs = self._scoped(slot, key)
            for i, name in enumerate(names):
                qs = qs.filter(**{f"{enum_filters[name][0]}__exact": slot(f"e{i}")})
            return qs

        return query_templates.TemplatedQuerySet(
            model=self.queryset.model, key=key + ("list", tuple(names)), values=values, build=build,
            using=self.queryset.db)

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
        model = self.queryset.model
        service = services.dispatch(model, "create")
        if service is not None:
            obj = service(actor=self.actor, data=serializer.validated_data)
        else:
            obj = services.record_create(actor=self.actor, obj=model(**serializer.validated_data))
        return self.respond(obj, status.HTTP_201_CREATED)


class UpdateRecordMixin:
    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(obj, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        service = services.dispatch(type(obj), "update") or services.record_update
        obj = service(actor=self.actor, obj=obj, data=serializer.validated_data, if_match=self.if_match())
        return self.respond(obj)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


class DeleteRecordMixin:
    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        service = services.dispatch(type(obj), "delete") or services.record_delete
        service(actor=self.actor, obj=obj, if_match=self.if_match())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _transition_action(viewset_cls, model, info):
    default = ReasonBody if info.custom.get("reason") else TransitionBody
    body_class = viewset_cls.transition_bodies.get(info.name, default)
    service = services.dispatch(model, info.name)

    def handler(self, request, *args, **kwargs):
        obj = self.get_object()
        if info.name not in available_transitions(obj):  # state first: a 409 says more than a 400
            raise TransitionConflict(f"'{info.name}' is not allowed from status {obj.status!r}.",
                                     allowed_transitions=available_transitions(obj))
        body = body_class(data=request.data if request.data else {}, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        if service is not None:
            obj = service(actor=self.actor, obj=obj, if_match=self.if_match(), **body.validated_data)
        else:
            obj = services.record_transition(
                actor=self.actor, obj=obj, name=info.name, body=body.validated_data, if_match=self.if_match()
            )
        return self.respond(obj)

    handler.__name__ = f"transition_{info.name}"
    handler.__doc__ = None  # the schema describes it from the transition (apps/core/api/schema.py)
    # @action first, extend_schema on top: @action resets the schema kwargs of what it wraps.
    handler = action(detail=True, methods=["post"], url_path=info.name, url_name=info.name)(handler)
    return extend_schema(request=body_class, responses={200: viewset_cls.serializer_class})(handler)
