"""SCIM filters (`userName eq "…"`) as SQL, always inside the token's tenant."""
from django_scim.filters import FilterQuery

from ..directory import Group, Person

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class TenantFilterQuery(FilterQuery):
    @classmethod
    def search(cls, filter_query, request=None):
        """The parser's query wrapped, so an `or` in the filter cannot escape the tenant condition
        (django-scim2's get_extras appends `AND …` to the WHERE clause without parentheses)."""
        model = cls.model_getter()
        query = cls.query_class(filter_query, cls.table_name(), cls.attr_map, cls.joins)
        if query.where_sql is None:
            return model.objects.none()
        inner = query.sql.strip().rstrip(";")
        sql = (f"SELECT * FROM ({inner}) scim_match WHERE scim_match.tenant_id = %s"
               f" AND scim_match.is_deleted = %s ORDER BY scim_match.id")
        return model.objects.raw(sql, [*query.params, request.user.tenant_id, False])


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
