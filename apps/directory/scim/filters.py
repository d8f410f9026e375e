"""SCIM filters (`userName eq "…"`) as SQL, always inside the token's tenant."""
from django_scim.filters import FilterQuery

from ..models import Group, Person

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def tenant_page(model, tenant_id: str, *, after: str | None, limit: int, condition: str = "", params=()):
    """A cursor page (views.CursorPages): the tenant's `limit` rows after the id `after` (None: from the first),
    in id order, matching the filter's `condition` if any.

    Without a filter the rows are read on the tenant's `(tenant_id, id)` index (`person_tenant_page`,
    `group_tenant_page`), the tenant compared as a range shared with the id — `tenant_id <= T AND (tenant_id, id)
    > (T, after)`, ordered by both — rather than `tenant_id = T … ORDER BY id`: with the equality PostgreSQL holds
    the tenant constant, counts the primary key as already in order and may read the page on it, skipping every
    id of the tenants before this one (a new tenant's first page would read every older tenant's people).
    Ordered by both columns, only the tenant's index gives the page in order: the scan starts at the cursor and
    stops after `limit` rows. A filter keeps the equality, so the tenant-led index of its attribute serves it
    (`userName eq` reads one entry of `person_tenant_user_upper`; the range would read the tenant's every row)."""
    table = model._meta.db_table
    if condition:
        sql = (f"SELECT {table}.* FROM {table} WHERE {table}.tenant_id = %s AND {table}.is_deleted = %s"
               f" AND ({condition}) AND {table}.id > %s ORDER BY {table}.id LIMIT %s")
        return model.objects.raw(sql, [tenant_id, False, *params, after or "", limit])
    sql = (f"SELECT {table}.* FROM {table} WHERE {table}.tenant_id <= %s AND ({table}.tenant_id, {table}.id) > (%s, %s)"
           f" AND {table}.is_deleted = %s ORDER BY {table}.tenant_id, {table}.id LIMIT %s")
    return model.objects.raw(sql, [tenant_id, tenant_id, after or "", False, limit])


def tenant_rows(model, tenant_id: str):
    """The tenant's rows for an index page (views.CountedPages), ordered by `(tenant_id, id)` with the tenant
    as a range, for the reason `tenant_page` gives: ordered by `id` under `tenant_id =`, PostgreSQL may read
    the page on the primary key past every other tenant's rows; ordered by both, only the tenant's
    `(tenant_id, id)` index gives the rows in order. The same rows in the same order as `tenant_id = T`."""
    return model.objects.filter(tenant_id__gte=tenant_id, tenant_id__lte=tenant_id).order_by("tenant_id", "id")


class TenantFilterQuery(FilterQuery):
    @classmethod
    def search(cls, filter_query, request=None, after: str | None = None, limit: int | None = None):
        """The parser's condition in parentheses after the tenant's, so an `or` in the filter cannot escape
        it (django-scim2's get_extras appends `AND …` without them). The parser's own statement is a
        `SELECT DISTINCT` for its joins; these attributes are columns of one table, so a row matches once
        and the tenant-led indexes (`userName` by UPPER) serve the condition. With a `limit`, a cursor page
        of the matches (tenant_page)."""
        model = cls.model_getter()
        table = cls.table_name()
        query = cls.query_class(filter_query, table, cls.attr_map, cls.joins)
        if query.where_sql is None:
            return model.objects.none()
        condition = query.where_sql.format(**{key: query.placeholder for key in query.params_dict})
        if limit is not None:
            return tenant_page(model, request.user.tenant_id, after=after, limit=limit, condition=condition,
                               params=query.params)
        sql = (f"SELECT {table}.* FROM {table} WHERE {table}.tenant_id = %s AND {table}.is_deleted = %s"
               f" AND ({condition}) ORDER BY {table}.id")
        return model.objects.raw(sql, [request.user.tenant_id, False, *query.params])


class PersonFilterQuery(TenantFilterQuery):
    model_getter = staticmethod(lambda: Person)
    attr_map = {
        ("id", None, None): "id",
        ("userName", None, None): "user_name",
        ("externalId", None, None): "external_id",
        ("displayName", None, None): "display_name",
        ("name", "givenName", None): "given_name",
        ("name", "familyName", None): "family_name",
        ("emails", None, None): "email",
        ("emails", "value", None): "email",
        ("title", None, None): "title",
        ("active", None, None): "active",
        ("department", None, ENTERPRISE): "department",
        ("employeeNumber", None, ENTERPRISE): "employee_number",
    }


class GroupFilterQuery(TenantFilterQuery):
    model_getter = staticmethod(lambda: Group)
    attr_map = {
        ("id", None, None): "id",
        ("displayName", None, None): "display_name",
        ("externalId", None, None): "external_id",
    }
