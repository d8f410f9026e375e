"""django-scim2 adapters: SCIM User <-> Person, SCIM Group <-> Group, writes through the directory services.

PATCH accepts what Okta and Microsoft Entra send: operations with or without `path`, op names in
any case (`Replace`), `active` as a boolean or the string "False", `emails[type eq "work"].value`,
the enterprise extension's `manager` as an id or `{"value": id}`, and group membership as
`add members [...]`, `remove members [...]` or `remove members[value eq "id"]`. Attributes this
directory does not keep (phone numbers, addresses, locale …) are accepted and ignored, so a
provider's full profile push never fails on them.
"""
import re
from urllib.parse import urljoin

from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scim import constants, exceptions
from django_scim.adapters import SCIMGroup, SCIMUser
from django_scim.models import SCIMServiceProviderConfig
from django_scim.utils import get_base_scim_location_getter

from apps.core.exceptions import Conflict, DomainError

from ..models import Person
from ..services import group_create, group_delete, group_update, person_create, person_delete, person_update
from .cursors import CURSOR_TIMEOUT

ENTERPRISE = constants.SchemaURI.ENTERPRISE_USER
CORE_PREFIXES = (constants.SchemaURI.USER + ":", constants.SchemaURI.GROUP + ":")
MEMBER_FILTER = re.compile(r'^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$', re.IGNORECASE)
MAX_PAGE = 200
DEFAULT_PAGE = 50  # a page without `count` (django-scim2's default for startIndex pages, kept for cursor pages)
WORK_LOCALITY = re.compile(r'^addresses\[\s*type\s+eq\s+"work"\s*\]\.locality$', re.IGNORECASE)

# SCIM attribute (lower case) -> Person field, for plain string values.
USER_STRINGS = {
    "username": "user_name", "displayname": "display_name", "externalid": "external_id", "title": "title",
    "name.givenname": "given_name", "name.familyname": "family_name",
    "department": "department", "employeenumber": "employee_number",
}


def person_model():
    return Person


def location_of(request, url_name: str, pk: str) -> str:
    return urljoin(get_base_scim_location_getter()(request), reverse(url_name, kwargs={"uuid": pk}))


def _bool(value, path: str) -> bool:
    """Entra sends `"value": "False"` for active; accept JSON booleans and those strings only."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise exceptions.BadRequestError(f'"{path}" must be a boolean.', scim_type="invalidValue")


def _text(value, path: str, max_length: int = 200) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise exceptions.BadRequestError(f'"{path}" must be a string.', scim_type="invalidValue")
    if len(value) > max_length:
        raise exceptions.BadRequestError(f'"{path}" is longer than {max_length} characters.', scim_type="invalidValue")
    return value


def _primary_email(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("value") or ""
    if isinstance(value, list):
        emails = [e for e in value if isinstance(e, dict)]
        chosen = ([e for e in emails if e.get("primary") is True] or [e for e in emails if e.get("type") == "work"]
                  or emails)
        return (chosen[0].get("value") or "") if chosen else ""
    raise exceptions.BadRequestError('"emails" must be a list of {"value": …}.', scim_type="invalidValue")


def _member_ids(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(m, dict) and isinstance(m.get("value"), str) for m in value):
        raise exceptions.BadRequestError('"members" must be a list of {"value": id}.', scim_type="invalidValue")
    return [m["value"] for m in value]


def _present(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if v not in (None, "", [], {})}


def _strip_schema(path: str) -> tuple[str, bool]:
    """(attribute path without its schema URN, whether it is in the enterprise extension)."""
    if path.startswith(ENTERPRISE + ":"):
        return path[len(ENTERPRISE) + 1:], True
    for prefix in CORE_PREFIXES:
        if path.startswith(prefix):
            return path[len(prefix):], False
    return path, False


def _run(service, **kwargs):
    """A directory service call, its refusals as SCIM errors."""
    try:
        return service(**kwargs)
    except Conflict as exc:
        raise exceptions.IntegrityError(exc.detail, scim_type="uniqueness") from exc
    except DomainError as exc:
        raise exceptions.SCIMException(exc.detail, status=exc.status) from exc
    except ValidationError as exc:
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"value": exc.messages}
        detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in messages.items())
        raise exceptions.BadRequestError(detail, scim_type="invalidValue") from exc


class ScimPerson(SCIMUser):
    id_field = "id"

    def __init__(self, obj, request=None):
        super().__init__(obj, request)
        self.changes: dict = {}

    @property
    def actor(self):
        return self.request.user

    # -- reading -------------------------------------------------------------------------
    @property
    def display_name(self):
        person = self.obj
        return person.display_name or " ".join(p for p in (person.given_name, person.family_name) if p) or person.user_name

    def to_dict(self):
        """Unassigned attributes are left out (RFC 7643 §2.5), so a removed one reads as removed."""
        person = self.obj
        enterprise = _present({"department": person.department, "employeeNumber": person.employee_number})
        if person.manager_id:
            enterprise["manager"] = {"value": person.manager_id, "$ref": location_of(self.request, "scim:users", person.manager_id)}
        doc = _present({
            "schemas": [constants.SchemaURI.USER] + ([ENTERPRISE] if enterprise else []),
            "id": person.pk,
            "externalId": person.external_id,
            "userName": person.user_name,
            "name": _present({"givenName": person.given_name, "familyName": person.family_name}),
            "displayName": person.display_name,
            "emails": [{"value": person.email}] if person.email else None,
            "title": person.title,
            "addresses": [{"locality": person.location}] if person.location else None,  # only the locality is kept
            "active": person.active,
            "groups": [{"value": g.pk, "display": g.display_name, "$ref": location_of(self.request, "scim:groups", g.pk)}
                       for g in person.groups.all()],
            ENTERPRISE: enterprise,
            "meta": {"resourceType": "User", "created": person.created_at.isoformat(),
                     "lastModified": person.updated_at.isoformat(), "location": self.location},
        })
        return doc

    @classmethod
    def resource_type_dict(cls, request=None):
        doc = super().resource_type_dict(request)
        doc["schemaExtensions"] = [{"schema": ENTERPRISE, "required": False}]
        doc["endpoint"] = "/Users"  # RFC 7643 §6: relative to the base URL (django-scim2 gives the full path)
        return doc

    # -- writing -------------------------------------------------------------------------
    def validate_dict(self, d):
        if not isinstance(d.get("userName"), str) or not d["userName"].strip():
            raise exceptions.BadRequestError('"userName" is required.', scim_type="invalidValue")

    def from_dict(self, d):
        """A full representation (POST, PUT): attributes left out become blank."""
        name = d.get("name") if isinstance(d.get("name"), dict) else {}
        enterprise = d.get(ENTERPRISE) if isinstance(d.get(ENTERPRISE), dict) else {}
        self.changes = {
            "user_name": _text(d.get("userName"), "userName").strip(),
            "external_id": _text(d.get("externalId"), "externalId"),
            "given_name": _text(name.get("givenName"), "name.givenName", 100),
            "family_name": _text(name.get("familyName"), "name.familyName", 100),
            "display_name": _text(d.get("displayName") or name.get("formatted"), "displayName"),
            "email": _primary_email(d.get("emails") or []),
            "title": _text(d.get("title"), "title"),
            "department": _text(enterprise.get("department"), "department"),
            "location": _work_locality(d.get("addresses")),
            "employee_number": _text(enterprise.get("employeeNumber"), "employeeNumber", 64),
            "manager": self._manager(enterprise.get("manager")),
            "active": _bool(d["active"], "active") if "active" in d else True,
        }

    def _manager(self, value):
        if isinstance(value, dict):
            value = value.get("value")
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise exceptions.BadRequestError('"manager" must be a person id.', scim_type="invalidValue")
        manager = Person.objects.filter(tenant_id=self.actor.tenant_id, pk=value).first()
        if manager is None:
            raise exceptions.BadRequestError(f"Unknown manager {value!r}.", scim_type="invalidValue")
        return manager

    def save(self):
        data = {**self.changes, "source": "scim"}
        if self.obj._state.adding:
            self.obj = _run(person_create, actor=self.actor, data=data)
        else:
            self.obj = _run(person_update, actor=self.actor, obj=self.obj, data=data)
        self.changes = {}

    def delete(self):
        _run(person_delete, actor=self.actor, obj=self.obj)

    def handle_operations(self, operations):
        if not isinstance(operations, list):
            raise exceptions.BadRequestError('"Operations" must be a list.', scim_type="invalidSyntax")
        for operation in operations:
            op, path, value = _operation(operation)
            if path is None:
                if op == "remove" or not isinstance(value, dict):
                    raise exceptions.BadRequestError("An operation without a path needs an object value.",
                                                     scim_type="noTarget")
                for key, item in _flatten(value):
                    self._apply(op, key, item)
            else:
                self._apply(op, path, value)
        if self.changes:
            self.save()

    def _apply(self, op: str, path: str, value) -> None:
        if path == ENTERPRISE:  # the whole extension object
            if op == "remove":
                self.changes.update({"department": "", "employee_number": "", "manager": None})
            elif isinstance(value, dict):
                for key, item in value.items():
                    self._apply(op, f"{ENTERPRISE}:{key}", item)
            return
        attr, _ = _strip_schema(path)
        key = attr.lower()
        removing = op == "remove"
        if key in USER_STRINGS:
            field = USER_STRINGS[key]
            self.changes[field] = "" if removing else _text(value, attr, 64 if field == "employee_number" else 200)
        elif key == "active":
            self.changes["active"] = False if removing else _bool(value, attr)
        elif key == "name":
            for sub, field in (("givenName", "given_name"), ("familyName", "family_name")):
                if removing or (isinstance(value, dict) and sub in value):
                    self.changes[field] = "" if removing else _text(value[sub], f"name.{sub}", 100)
        elif key == "emails" or key.startswith("emails[") or key == "emails.value":
            self.changes["email"] = "" if removing else _primary_email(value)
        elif key in ("manager", "manager.value"):
            self.changes["manager"] = None if removing else self._manager(value)
        elif key == "addresses":
            self.changes["location"] = "" if removing else _work_locality(value)
        elif WORK_LOCALITY.match(attr):
            self.changes["location"] = "" if removing else _text(value, attr)
        # Anything else (phoneNumbers, other addresses' parts, locale, …) is not kept by this directory: ignored.


def _work_locality(addresses) -> str:
    """The location a SCIM `addresses` list gives: the work address's locality, else the primary one's, else
    the first one's (a list of one address without a type round-trips)."""
    if addresses is None:
        return ""
    if not isinstance(addresses, list) or not all(isinstance(a, dict) for a in addresses):
        raise exceptions.BadRequestError('"addresses" must be a list of objects.', scim_type="invalidValue")
    chosen = (next((a for a in addresses if str(a.get("type", "")).lower() == "work"), None)
              or next((a for a in addresses if a.get("primary") is True), None)
              or next(iter(addresses), None))
    return _text(chosen.get("locality"), "addresses.locality") if chosen else ""


def _operation(operation) -> tuple[str, str | None, object]:
    if not isinstance(operation, dict):
        raise exceptions.BadRequestError("Each operation must be an object.", scim_type="invalidSyntax")
    op = str(operation.get("op", "")).lower()
    if op not in constants.VALID_PATCH_OPS:
        raise exceptions.BadRequestError(f'Unknown PATCH op "{operation.get("op")}".', scim_type="invalidSyntax")
    path = operation.get("path")
    if path is not None and not isinstance(path, str):
        raise exceptions.BadRequestError('"path" must be a string.', scim_type="invalidPath")
    return op, (path or None), operation.get("value")


def _flatten(value: dict):
    """A path-less operation's object: its keys are attribute paths; the enterprise extension's
    object holds more of them."""
    for key, item in value.items():
        if key == ENTERPRISE and isinstance(item, dict):
            yield from ((f"{ENTERPRISE}:{k}", v) for k, v in item.items())
        else:
            yield key, item


class ScimGroup(SCIMGroup):
    id_field = "id"

    def __init__(self, obj, request=None):
        super().__init__(obj, request)
        self.changes: dict = {}
        self.member_changes: dict = {}

    @property
    def actor(self):
        return self.request.user

    @property
    def display_name(self):
        return self.obj.display_name

    @property
    def members(self):
        if not self.obj.pk:
            return []
        return [{"value": p.pk, "$ref": location_of(self.request, "scim:users", p.pk)} for p in self.obj.members.all()]

    def to_dict(self):
        group = self.obj
        return _present({
            "schemas": [constants.SchemaURI.GROUP],
            "id": group.pk,
            "externalId": group.external_id,
            "displayName": group.display_name,
            "members": self.members,
            "meta": {"resourceType": "Group", "created": group.created_at.isoformat(),
                     "lastModified": group.updated_at.isoformat(), "location": self.location},
        })

    @classmethod
    def resource_type_dict(cls, request=None):
        return {**super().resource_type_dict(request), "endpoint": "/Groups"}

    def validate_dict(self, d):
        if not isinstance(d.get("displayName"), str) or not d["displayName"].strip():
            raise exceptions.BadRequestError('"displayName" is required.', scim_type="invalidValue")

    def from_dict(self, d):
        self.changes = {"display_name": _text(d.get("displayName"), "displayName"),
                        "external_id": _text(d.get("externalId"), "externalId")}
        self.member_changes = {"replace": _member_ids(d.get("members"))}

    def save(self):
        if self.obj._state.adding:
            self.obj = _run(group_create, actor=self.actor, data={**self.changes, "source": "scim"},
                            member_ids=self.member_changes.get("replace") or ())
        else:
            self.obj = _run(group_update, actor=self.actor, obj=self.obj, data=self.changes, **self.member_changes)
        self.changes, self.member_changes = {}, {}

    def delete(self):
        _run(group_delete, actor=self.actor, obj=self.obj)

    def handle_operations(self, operations):
        if not isinstance(operations, list):
            raise exceptions.BadRequestError('"Operations" must be a list.', scim_type="invalidSyntax")
        add, remove, replace = [], [], None
        for operation in operations:
            op, path, value = _operation(operation)
            items = [(path, value)] if path is not None else (
                list(value.items()) if isinstance(value, dict) and op != "remove" else None)
            if items is None:
                raise exceptions.BadRequestError("An operation without a path needs an object value.",
                                                 scim_type="noTarget")
            for item_path, item in items:
                attr = _strip_schema(item_path)[0]
                key = attr.lower()
                one = MEMBER_FILTER.match(attr)
                if one:  # Okta: remove members[value eq "id"]
                    if op != "remove":
                        raise exceptions.BadRequestError("Only remove takes a members filter.", scim_type="invalidFilter")
                    remove.append(one.group(1))
                elif key == "members":
                    ids = _member_ids(item)
                    if op == "add":
                        add += ids
                    elif op == "remove":
                        if item is None:
                            replace, add, remove = [], [], []
                        else:
                            remove += ids
                    else:
                        replace, add, remove = ids, [], []
                elif key == "displayname":
                    if op == "remove":
                        raise exceptions.BadRequestError('"displayName" is required.', scim_type="mutability")
                    self.changes["display_name"] = _text(item, "displayName")
                elif key == "externalid":
                    self.changes["external_id"] = "" if op == "remove" else _text(item, "externalId")
                # `id` (Okta repeats it in replace) and unknown attributes: nothing to change.
        self.member_changes = {"add": [m for m in add if m not in remove], "remove": remove, "replace": replace}
        self.save()


class ServiceProviderConfig(SCIMServiceProviderConfig):
    def to_dict(self):
        doc = super().to_dict()
        doc.update({
            "filter": {"supported": True, "maxResults": MAX_PAGE},
            "changePassword": {"supported": False},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            # RFC 9865 §4: both methods; index stays the default, as the providers we serve (Okta, Entra) expect.
            "pagination": {"cursor": True, "index": True, "defaultPaginationMethod": "index",
                           "defaultPageSize": DEFAULT_PAGE, "maxPageSize": MAX_PAGE, "cursorTimeout": CURSOR_TIMEOUT},
        })
        return doc
