"""/scim/v2/ views: django-scim2's, with pages counted in SQL and capped, `attributes` and
`excludedAttributes`, complete ListResponses and SCIM error bodies (RFC 7644)."""
import json

from django.db import models
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django_scim import constants, exceptions, views

from .adapters import MAX_PAGE
from .auth import scim_error
from .errors import ScimErrors, bad_request


# What a page's resources render besides their own columns, read for the whole page in one query each
# (django-scim2 renders a user's groups with `person.groups.all()`: a query per user).
RELATED = {"person": ("groups",), "group": ("members",)}


class CountedPages:
    """django-scim2 counts a list by iterating it (every row of the tenant loaded); count in SQL instead.
    A page's related rows are prefetched: a constant number of queries per page, whatever its size."""

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


class UsersView(ScimErrors, AttributeSelection, CountedPages, views.UsersView):
    pass


class GroupsView(ScimErrors, AttributeSelection, CountedPages, views.GroupsView):
    pass


class UserSearchView(ScimErrors, AttributeSelection, CountedPages, views.UserSearchView):
    pass


class GroupSearchView(ScimErrors, AttributeSelection, CountedPages, views.GroupSearchView):
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
