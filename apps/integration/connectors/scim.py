"""SCIM 2.0 outbound (RFC 7643/7644): the universal connector — Okta-, Entra- and Slack-style apps speak it.

An entitlement is a SCIM Group id; holding it is being one of the group's `members`. People are found
by a `userName` filter (or `externalId`, our person id), created when missing, and added to or removed
from groups by PATCH. What differs between providers is configuration (Connector.config):

    base_url            the SCIM root, e.g. https://scim.acme.invalid/scim/v2 (required)
    match_by            "userName" (default) or "externalId": how a person is found in the target
    create_users        true (default): create a missing user on grant; false: a missing user is an error
    patch_op_case       "lower" (default: "add"/"remove") or "title" ("Add"/"Remove", older Entra apps)
    remove_style        "filter" (default: path members[value eq "id"]) or "value" (path members with a
                        value list, as Okta and Entra send it)
    member_value_path   the member attribute naming the user (default "value")
    membership_check    "filter" (default: GET /Groups?filter=id eq .. and members[value eq ..]) or "read"
                        (GET the group's members) — for targets whose filters do not reach members
    auth                "bearer" (default; secrets["token"]) or "basic" (secrets["username"], ["password"])
    timeout             seconds per request (default: the registry's)
    page_size           users per page when listing (default 200)

Secrets come only from `secrets`; no message, log or error carries them.
"""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import requests

from .base import Account, ConnectorError, PersonRef, connector_type

SCIM_JSON = "application/scim+json"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def _quoted(value: str) -> str:
    """A SCIM filter string literal (RFC 7644 §3.4.2.2: JSON string rules)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class ScimOptions:
    base_url: str
    match_by: str = "userName"
    create_users: bool = True
    patch_op_case: str = "lower"
    remove_style: str = "filter"
    member_value_path: str = "value"
    membership_check: str = "filter"
    auth: str = "bearer"
    timeout: float = 10.0
    page_size: int = 200

    CHOICES = {"match_by": ("userName", "externalId"), "patch_op_case": ("lower", "title"),
               "remove_style": ("filter", "value"), "membership_check": ("filter", "read"),
               "auth": ("bearer", "basic")}

    @classmethod
    def from_config(cls, config: dict, *, timeout: float) -> "ScimOptions":
        config = dict(config)
        if "baseUrl" in config:  # the spelling of older seeds and API callers
            config.setdefault("base_url", config.pop("baseUrl"))
        known = {name for name in cls.__dataclass_fields__}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ConnectorError(f"SCIM connector: unknown config {', '.join(unknown)}", retryable=False)
        if not str(config.get("base_url") or "").startswith(("http://", "https://")):
            raise ConnectorError("SCIM connector: config base_url must be an http(s) URL", retryable=False)
        options = cls(**{"timeout": timeout, **config})
        for name, allowed in cls.CHOICES.items():
            if getattr(options, name) not in allowed:
                raise ConnectorError(f"SCIM connector: config {name} must be one of {', '.join(allowed)}",
                                     retryable=False)
        return options


@connector_type("scim", label="SCIM 2.0")
class ScimConnector:
    def __init__(self, *, config: dict, secrets: dict, timeout: float = 10.0, session: requests.Session | None = None):
        self.options = ScimOptions.from_config(config, timeout=timeout)
        self.base_url = self.options.base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": SCIM_JSON, "Content-Type": SCIM_JSON})
        self._secret_values = [str(value) for value in secrets.values() if value]
        if self.options.auth == "basic":
            if not (secrets.get("username") and secrets.get("password")):
                raise ConnectorError("SCIM connector: basic auth needs username and password credentials",
                                     retryable=False)
            self.session.auth = (secrets["username"], secrets["password"])
        else:
            if not secrets.get("token"):
                raise ConnectorError("SCIM connector: bearer auth needs a token credential", retryable=False)
            self.session.headers["Authorization"] = f"Bearer {secrets['token']}"

    # --- the interface ---------------------------------------------------------------------------
    def list_accounts(self) -> Iterable[Account]:
        for user in self._pages("/Users", {"attributes": "userName,externalId,active"}):
            yield self._account(user)

    def list_memberships(self, entitlement: str) -> Iterable[str]:
        members = self._request("GET", f"/Groups/{entitlement}", params={"attributes": "members"}).get("members") or []
        member_ids = {str(member.get(self.options.member_value_path)) for member in members}
        if not member_ids:
            return []
        return sorted(account.user_name for account in self.list_accounts() if account.external_id in member_ids)

    def grant(self, *, person: PersonRef, entitlement: str) -> Account:
        account = self._find(person) or self._create(person)
        self._patch_members(entitlement, "add", account.external_id)
        return account

    def revoke(self, *, person: PersonRef, entitlement: str) -> None:
        account = self._find(person)
        if account is None:
            return  # no account: holds nothing
        self._patch_members(entitlement, "remove", account.external_id)

    def verify(self, *, person: PersonRef, entitlement: str) -> bool:
        account = self._find(person)
        return account is not None and self._is_member(entitlement, account.external_id)

    # --- users -----------------------------------------------------------------------------------
    def _find(self, person: PersonRef) -> Account | None:
        value = person.user_name if self.options.match_by == "userName" else person.person_id
        found = self._request("GET", "/Users", params={"filter": f"{self.options.match_by} eq {_quoted(value)}",
                                                       "attributes": "userName,externalId,active"})
        resources = found.get("Resources") or []
        if not isinstance(resources, list):
            raise ConnectorError("SCIM GET /Users: malformed list response")
        return self._account(resources[0]) if resources else None

    def _create(self, person: PersonRef) -> Account:
        if not self.options.create_users:
            raise ConnectorError(f"SCIM: no user {person.user_name!r} in the target, and creating users is off",
                                 retryable=False)
        body = {"schemas": [USER_SCHEMA], "userName": person.user_name, "externalId": person.person_id,
                "active": True}
        if person.display_name:
            body["displayName"] = person.display_name
        if person.given_name or person.family_name:
            body["name"] = {key: value for key, value in (("givenName", person.given_name),
                                                           ("familyName", person.family_name)) if value}
        if person.email:
            body["emails"] = [{"value": person.email, "type": "work", "primary": True}]
        try:
            return self._account(self._request("POST", "/Users", json=body))
        except ConnectorError as exc:
            if exc.status == 409:  # created meanwhile (another worker, or a directory sync): use it
                account = self._find(person)
                if account is not None:
                    return account
            raise

    def _account(self, user: dict) -> Account:
        if not isinstance(user, dict) or not user.get("id"):
            raise ConnectorError("SCIM: malformed user resource (no id)")
        return Account(external_id=str(user["id"]), user_name=str(user.get("userName") or ""),
                       active=user.get("active", True) is not False,
                       extra={"externalId": user.get("externalId")} if user.get("externalId") else {})

    def _pages(self, path: str, params: dict) -> Iterator[dict]:
        start = 1
        while True:
            page = self._request("GET", path, params={**params, "startIndex": start, "count": self.options.page_size})
            resources = page.get("Resources") or []
            if not isinstance(resources, list):
                raise ConnectorError(f"SCIM GET {path}: malformed list response")
            yield from resources
            start += len(resources)
            total = page.get("totalResults")
            if not resources or not isinstance(total, int) or start > total:
                return

    # --- groups ----------------------------------------------------------------------------------
    def _op(self, name: str) -> str:
        return name.title() if self.options.patch_op_case == "title" else name

    def _patch_members(self, group_id: str, op: str, user_id: str) -> None:
        value_path = self.options.member_value_path
        if op == "remove" and self.options.remove_style == "filter":
            operation = {"op": self._op(op), "path": f"members[{value_path} eq {_quoted(user_id)}]"}
        else:
            operation = {"op": self._op(op), "path": "members", "value": [{value_path: user_id}]}
        self._request("PATCH", f"/Groups/{group_id}", json={"schemas": [PATCH_OP], "Operations": [operation]})

    def _is_member(self, group_id: str, user_id: str) -> bool:
        value_path = self.options.member_value_path
        if self.options.membership_check == "filter":
            found = self._request("GET", "/Groups", params={
                "filter": f"id eq {_quoted(group_id)} and members[{value_path} eq {_quoted(user_id)}]",
                "attributes": "id"})
            return bool(found.get("Resources"))
        group = self._request("GET", f"/Groups/{group_id}", params={"attributes": "members"})
        return any(str(member.get(value_path)) == user_id for member in group.get("members") or [])

    # --- HTTP ------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs) -> dict:
        where = f"SCIM {method} {path}"
        try:
            response = self.session.request(method, f"{self.base_url}{path}", timeout=self.options.timeout, **kwargs)
        except requests.Timeout:
            raise ConnectorError(f"{where}: no answer within {self.options.timeout:g}s (timeout)") from None
        except requests.ConnectionError:
            raise ConnectorError(f"{where}: cannot connect to the target") from None
        except requests.RequestException as exc:
            raise ConnectorError(self._scrub(f"{where}: {type(exc).__name__}")) from None
        if response.status_code >= 400:
            retryable = response.status_code == 429 or response.status_code >= 500
            raise ConnectorError(self._scrub(f"{where}: HTTP {response.status_code} {self._detail(response)}".rstrip()),
                                 retryable=retryable, status=response.status_code)
        if response.status_code == 204 or not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:
            raise ConnectorError(f"{where}: HTTP {response.status_code} with a body that is not JSON") from None
        if not isinstance(body, dict):
            raise ConnectorError(f"{where}: HTTP {response.status_code} with a body that is not a JSON object")
        return body

    @staticmethod
    def _detail(response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return ""
        detail = body.get("detail") if isinstance(body, dict) else None
        scim_type = body.get("scimType") if isinstance(body, dict) else None
        text = " ".join(str(part) for part in (scim_type, detail) if part)
        return text[:300]

    def _scrub(self, message: str) -> str:
        """A target may echo what it was sent: never let a credential through in a message."""
        for secret in self._secret_values:
            message = message.replace(secret, "••••")
        return message
