from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

INVALID_CURSOR = "Invalid cursor; use the `next`/`previous` links as given."
INTEGER_BOUND = 2**63  # a position past a 64-bit integer column cannot come from a link we made


class NewestFirstCursorPagination(CursorPagination):
    """Cursor pages, newest first (ids are ULIDs, so `-id` is creation order and unique)."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        given = request.query_params.getlist(self.cursor_query_param)
        if len(given) > 1 or given == [""]:
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]})
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        """The cursor's position is compared with the ordering column in SQL: a value of the wrong
        type for that column (a tampered cursor, or one made for another ordering) is a 400."""
        name = self.ordering[0].lstrip("-")
        try:
            field = self._model._meta.get_field(name)
        except FieldDoesNotExist:
            return
        try:
            if "\x00" in position:
                raise ValueError(position)
            value = field.to_python(position)
            if isinstance(field, models.IntegerField) and not -INTEGER_BOUND < value < INTEGER_BOUND:
                raise ValueError(position)
        except (DjangoValidationError, ValueError, TypeError):
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None

    def get_page_size(self, request):
        given = request.query_params.getlist(self.page_size_query_param)
        if not given:
            return self.page_size
        try:
            if len(given) > 1:
                raise ValueError(given)
            size = int(given[0])
        except ValueError:
            raise ValidationError({"page_size": ["Must be an integer between 1 and 500."]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": ["Must be an integer between 1 and 500."]})
        return size

    # -- OpenAPI (drf-spectacular calls these) --
    def get_paginated_response_schema(self, schema):
        link = "http://127.0.0.1:8000/api/v1/operations/access-requests?cursor=cD0yMDI2LTAxLTAx"
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {"type": ["string", "null"], "format": "uri", "example": link,
                         "description": "The next page, or null on the last page. Follow it as given."},
                "previous": {"type": ["string", "null"], "format": "uri",
                             "description": "The previous page, or null on the first page."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "An opaque page position: use the `next` / `previous` links as given.",
             "schema": {"type": "string"}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": f"Records per page, 1 to {self.max_page_size} (default {self.page_size}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size, "default": self.page_size}},
        ]
