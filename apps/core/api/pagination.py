from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    """Cursor pages, newest first (ids are ULIDs, so `-id` is creation order and unique)."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": ["Invalid cursor; use the `next`/`previous` links as given."]}) from None

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
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
