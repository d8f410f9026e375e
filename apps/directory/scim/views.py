"""/scim/v2/ views: django-scim2's, with pages counted in SQL and capped, cursor pages (RFC 9865) beside
them, `attributes` and `excludedAttributes`, complete ListResponses and SCIM error bodies (RFC 7644)."""
import json

from django.db import models, transaction
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django_scim import constants, exceptions, views
from scim2_filter_parser.parser import SCIMParserError

from .adapters import DEFAULT_PAGE, MAX_PAGE
from .auth import scim_error
from .cursors import cursor_issue, cursor_open, cursor_query
from .errors import ScimErrors, bad_request
from .filters import tenant_page, tenant_rows


# What a page's resources render besides their own columns, read for the whole page in one query each
# (django-scim2 renders a user's groups with `person.groups.all()`: a query per user).
RELATED = {"person": ("groups",), "group": ("members",)}


class CountedPages:
    """django-scim2 counts a list by iterating it (every row of the tenant loaded); count in SQL instead.
    A page's related rows are prefetched: a constant number of queries per page, whatever its size.
    Without a filter the page reads the tenant's `(tenant_id, id)` index (filters.tenant_rows)."""

    def get_many(self, request):
        if request.GET.get("filter"):
            return super().get_many(request)
        return self._build_response(request, tenant_rows(self.model_cls, request.user.tenant_id), *self._page(request))

    def _page(self, request):
        start, count = super()._page(request)
        if count is not None and count < 0:
            raise bad_request("count must be 0 or more.", "invalidValue")
        return start, min(count if count is not None else MAX_PAGE, MAX_PAGE)

    def _build_response(self, request, qs, start, count):
        try:
            if isinstance(qs, models.QuerySet):
                total = qs.count()
                # A startIndex past the end is an empty page (RFC 7644 §3.4.2.4), never an SQL OFFSET overflow.
                rows = list(qs.prefetch_related(*RELATED.get(qs.model._meta.model_name, ()))[start - 1:start - 1 + count]) \
                    if count and start <= total else []
            else:  # a filter's matches (django-scim2 hands them over as a list)
                matches = list(qs)
                total, rows = len(matches), matches[start - 1:start - 1 + count] if count else []
                if rows:
                    prefetch_related_objects(rows, *RELATED.get(rows[0]._meta.model_name, ()))
            resources = [self.scim_adapter(o, request=request).to_dict() for o in rows]
        except ValueError as exc:
            raise exceptions.BadRequestError(str(exc)) from exc
        doc = {"schemas": [constants.SchemaURI.LIST_RESPONSE], "totalResults": total,
               "itemsPerPage": len(resources), "startIndex": start, "Resources": resources}
        return HttpResponse(json.dumps(doc), content_type=constants.SCIM_CONTENT_TYPE)


class CursorPages:
    """RFC 9865: `cursor` (empty: the first page) and `count` page by keyset on the tenant's `(tenant_id, id)`
    index — the `count` rows after the cursor's id, one more read to know whether a next page exists — with no
    OFFSET and no COUNT, so a page costs the same at the millionth user as at the first. `nextCursor` is left
    out on the last page; `totalResults` is left out (RFC 9865 §2 allows it) except for `count=0`, which asks
    for it alone. Without `cursor` a request pages by `startIndex` as before (the default method: Okta and
    Entra page by index); both at once is a 400."""

    def get_many(self, request):
        if "cursor" not in request.GET:
            return super().get_many(request)
        return self._cursor_page(request, request.GET, request.GET.get("filter") or None)

    def _cursor_page(self, request, params, filter_query):
        if params.get("startIndex") is not None:
            raise bad_request("startIndex and cursor are two ways to page: send one of them.", "invalidValue")
        cursor = params["cursor"]
        if not isinstance(cursor, str):
            raise bad_request("cursor must be a string.", "invalidCursor")
        count = _cursor_count(params.get("count"))
        adapter = self.scim_adapter
        query = cursor_query(tenant_id=request.user.tenant_id, resource=adapter.resource_type,
                             filter_query=filter_query)
        after = cursor_open(cursor=cursor, query=query)
        doc = {"schemas": [constants.SchemaURI.LIST_RESPONSE]}
        if count == 0:
            doc.update(totalResults=self._cursor_total(request, filter_query), itemsPerPage=0, Resources=[])
            return HttpResponse(json.dumps(doc), content_type=constants.SCIM_CONTENT_TYPE)
        rows = self._keyset_rows(request, filter_query, after, count + 1)
        more, rows = len(rows) > count, rows[:count]
        if rows:
            prefetch_related_objects(rows, *RELATED.get(rows[0]._meta.model_name, ()))
        try:
            resources = [adapter(o, request=request).to_dict() for o in rows]
        except ValueError as exc:
            raise exceptions.BadRequestError(str(exc)) from exc
        doc.update(itemsPerPage=len(resources), Resources=resources)
        if more:
            doc["nextCursor"] = cursor_issue(query=query, after=rows[-1].pk)
        return HttpResponse(json.dumps(doc), content_type=constants.SCIM_CONTENT_TYPE)

    def _filtered(self, request, filter_query, **page):
        try:
            return self.__class__.parser_getter().search(filter_query, request, **page)
        except (ValueError, SCIMParserError) as exc:
            raise exceptions.BadRequestError(f"Invalid filter/search query: {exc}") from exc

    def _keyset_rows(self, request, filter_query, after, limit) -> list:
        if filter_query:
            return list(self._filtered(request, filter_query, after=after, limit=limit))
        return list(tenant_page(self.model_cls, request.user.tenant_id, after=after, limit=limit))

    def _cursor_total(self, request, filter_query) -> int:
        if filter_query:
            return len(list(self._filtered(request, filter_query)))
        return self.model_cls.objects.filter(tenant_id=request.user.tenant_id).count()


class CursorSearch(CursorPages):
    """`POST /Users/.search` with a `cursor` member in its SearchRequest body (RFC 9865 §3): the same pages."""

    def post(self, request, *args, **kwargs):
        body = self.load_body(request.body)
        if body.get("cursor") is None:  # absent or null: a startIndex search
            return super().post(request, *args, **kwargs)
        if body.get("schemas") != [constants.SchemaURI.SERACH_REQUEST]:
            raise exceptions.BadRequestError("Invalid schema uri. Must be SearchRequest.")
        filter_query = body.get("filter") or request.GET.get("filter")
        if not filter_query:
            raise exceptions.BadRequestError("No filter query specified")
        if not isinstance(filter_query, str):
            raise bad_request("filter must be a string.", "invalidFilter")
        return self._cursor_page(request, body, filter_query)


def _cursor_count(value) -> int:
    if value is None or value == "":
        return DEFAULT_PAGE
    try:
        count = int(value)
    except (TypeError, ValueError) as exc:
        raise bad_request("count must be a whole number.", "invalidValue") from exc
    if count < 0:
        raise bad_request("count must be 0 or more.", "invalidValue")
    return min(count, MAX_PAGE)


ALWAYS_RETURNED = {"id", "schemas", "meta"}


def _names(value) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value or () if isinstance(v, str) and v.strip()]


def select_attributes(resource: dict, attributes: list[str], excluded: list[str]) -> dict:
    """RFC 7644 §3.4.2.5 `attributes` / `excludedAttributes`, on top-level attributes and on those of
    an extension (`urn:…:User:department`); `id`, `schemas` and `meta` are always returned."""
    def split(name: str) -> tuple[str | None, str]:
        for key in resource:
            if key.startswith("urn:") and name.lower().startswith(key.lower() + ":"):
                return key, name[len(key) + 1:]
        return None, name

    def pick(doc: dict, names: set[str]) -> dict:
        return {k: v for k, v in doc.items() if k.lower() in names}

    if attributes:
        wanted = [split(a) for a in attributes]
        top = {n.split(".")[0].lower() for ext, n in wanted if ext is None} | ALWAYS_RETURNED
        out = {k: v for k, v in resource.items() if k.lower() in top}
        for ext in {e for e, _ in wanted if e}:
            names = {n.lower() for e, n in wanted if e == ext}
            out[ext] = resource[ext] if ext.lower() in top else pick(resource[ext], names)
        return out
    out = dict(resource)
    for ext, name in (split(a) for a in excluded):
        if ext is None and name.lower() not in ALWAYS_RETURNED:
            out = {k: v for k, v in out.items() if k.lower() != name.lower()}
        elif ext is not None and isinstance(out.get(ext), dict):
            out[ext] = {k: v for k, v in out[ext].items() if k.lower() != name.lower()}
    return out


class AttributeSelection:
    def _select(self, response, attributes, excluded):
        if response.status_code not in (200, 201) or not (attributes or excluded):
            return response
        doc = json.loads(response.content)
        if "Resources" in doc:
            doc["Resources"] = [select_attributes(r, attributes, excluded) for r in doc["Resources"]]
        else:
            doc = select_attributes(doc, attributes, excluded)
        response.content = json.dumps(doc)
        return response

    def get(self, request, *args, **kwargs):
        return self._select(super().get(request, *args, **kwargs), _names(request.GET.get("attributes")),
                            _names(request.GET.get("excludedAttributes")))

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code not in (200, 201):
            return response
        body = self.load_body(request.body)  # parsed and checked once already: it succeeded
        attributes = _names(body.get("attributes") or request.GET.get("attributes"))
        excluded = _names(body.get("excludedAttributes") or request.GET.get("excludedAttributes"))
        return self._select(response, attributes, excluded)


class GroupPatchNoContent:
    """A group PATCH answers 204 No Content (RFC 7644 §3.5.2 allows it; Okta and Entra expect it): its 200
    would list every member, and an identity provider adds a big group's members a hundred at a time.
    With `attributes` or `excludedAttributes` it answers 200 and the resource, as §3.5.2 requires."""

    def patch(self, request, *args, **kwargs):
        attributes, excluded = _names(request.GET.get("attributes")), _names(request.GET.get("excludedAttributes"))
        if attributes or excluded:
            return self._select(super().patch(request, *args, **kwargs), attributes, excluded)
        obj = self.get_object()
        scim_obj = self.scim_adapter(obj, request=request)
        operations = self.load_body(request.body).get("Operations")
        if not operations:
            raise exceptions.BadRequestError("PATCH call made without operations array")
        with transaction.atomic():
            scim_obj.handle_operations(operations)
        response = HttpResponse(status=204)
        response["Location"] = scim_obj.location
        return response


class UsersView(ScimErrors, AttributeSelection, CursorPages, CountedPages, views.UsersView):
    pass


class GroupsView(ScimErrors, GroupPatchNoContent, AttributeSelection, CursorPages, CountedPages, views.GroupsView):
    pass


class UserSearchView(ScimErrors, AttributeSelection, CursorSearch, CountedPages, views.UserSearchView):
    pass


class GroupSearchView(ScimErrors, AttributeSelection, CursorSearch, CountedPages, views.GroupSearchView):
    pass


class CompleteListResponse:
    """RFC 7644 §3.4.2: a ListResponse carries totalResults (django-scim2's discovery lists leave it out),
    and §3.12: an error carries a SCIM error body (django-scim2 answers an unknown id with an empty 404)."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if response.status_code == 404 and not response.content:
            return scim_error(404, f"No such {self.__class__.__name__.removesuffix('View')} resource.")
        if response.status_code == 200:
            doc = json.loads(response.content)
            if doc.get("schemas") == [constants.SchemaURI.LIST_RESPONSE] and "totalResults" not in doc:
                count = len(doc.get("Resources", []))
                doc.update({"totalResults": count, "itemsPerPage": count, "startIndex": 1})
                response.content = json.dumps(doc)
        return response


class ResourceTypesView(ScimErrors, CompleteListResponse, views.ResourceTypesView):
    pass


class SchemasView(ScimErrors, CompleteListResponse, views.SchemasView):
    pass


class NotImplementedView(ScimErrors, views.SCIMView):
    implemented = False

    def status_501(self, request, *args, **kwargs):
        return scim_error(501, "Not implemented by this service provider (see /ServiceProviderConfig).")


not_implemented = NotImplementedView.as_view()


class ServiceProviderConfigView(ScimErrors, views.ServiceProviderConfigView):
    pass


class NotFoundView(ScimErrors, views.SCIMView):
    """Any other path under /scim/v2/ (after the token check): a SCIM 404."""

    def get(self, request, *args, **kwargs):
        return scim_error(404, "No such SCIM endpoint.")

    post = put = patch = delete = get
