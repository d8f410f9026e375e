"""LDAP / Active Directory groups (ldap3): accounts are entries under `user_base_dn`, an entitlement is a
group DN, a grant adds the account's DN to the group's member attribute.

Config (a Connector's `config`; nothing secret):
- `url`: `ldap://host:389` or `ldaps://host:636`; `start_tls` (bool) upgrades an ldap:// connection.
- `bind_dn`: who the connector binds as. The bind password comes only from the secret store
  (`credentials` {"bind_password": "…"}), never from config.
- `user_base_dn`, `user_filter` (default `(objectClass=person)`), `user_attribute`: the attribute
  holding the user name the product knows (`uid` for OpenLDAP, `sAMAccountName` or
  `userPrincipalName` for AD).
- `member_attribute`: `member` (groupOfNames, AD) or `uniqueMember` (groupOfUniqueNames).
- `membership_read`: `group` (read the group's member attribute) or `memberOf` (search accounts whose
  `memberOf` names the group: AD, or OpenLDAP's memberof overlay; paged, so big groups stream).
- `page_size` (500).

Members that are not accounts under `user_base_dn` (nested groups, a placeholder a groupOfNames keeps
so it is never empty) are not reported and never touched.
"""
import math
from collections.abc import Iterator

import ldap3
from ldap3.core import exceptions as lx
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

from .base import Account, ConnectorError, PersonRef, connector_type

# LDAP result codes a retry may cure (busy, unavailable, unwilling for now, server-side time limit).
RETRYABLE_RESULTS = {3, 51, 52, 53, 80}
ALREADY_THERE, NOT_THERE = 20, 16  # attributeOrValueExists, noSuchAttribute


def _norm(dn: str) -> str:
    """A DN compared case-insensitively, without spaces around separators."""
    try:
        return ",".join(f"{attr.lower()}={value.lower()}" for attr, value, _ in parse_dn(dn))
    except lx.LDAPInvalidDnError:
        return dn.strip().lower()


def _error(operation: str, exc: Exception) -> ConnectorError:
    """The library's exception as a ConnectorError; the message names the operation and the LDAP
    result, never the bind password (ldap3 does not put it in its messages; we build ours)."""
    if isinstance(exc, lx.LDAPOperationResult):
        code = exc.result
        return ConnectorError(f"LDAP {operation} failed: {exc.description or 'error'} ({code})"
                              f"{': ' + exc.message if exc.message else ''}",
                              retryable=code in RETRYABLE_RESULTS, status=code)
    if isinstance(exc, (lx.LDAPSocketOpenError, lx.LDAPSocketReceiveError, lx.LDAPSocketSendError,
                        lx.LDAPSessionTerminatedByServerError, lx.LDAPResponseTimeoutError,
                        lx.LDAPCommunicationError, lx.LDAPStartTLSError)):
        return ConnectorError(f"LDAP {operation} failed: the server could not be reached ({type(exc).__name__})",
                              retryable=True)
    return ConnectorError(f"LDAP {operation} failed: {type(exc).__name__}", retryable=False)


@connector_type("ldap", label="LDAP / Active Directory")
class LdapConnector:
    def __init__(self, *, config: dict, secrets: dict, timeout: float = 10.0):
        try:
            self.url = config["url"]
            self.user_base_dn = config["user_base_dn"]
        except KeyError as missing:
            raise ConnectorError(f"LDAP connector config lacks {missing.args[0]!r}", retryable=False) from None
        self.bind_dn = config.get("bind_dn") or None
        self.password = (secrets or {}).get("bind_password") or (secrets or {}).get("password")
        if self.bind_dn and not self.password:
            raise ConnectorError("LDAP bind password missing from the secret store (credentials.bind_password)",
                                 retryable=False)
        self.start_tls = bool(config.get("start_tls"))
        self.user_filter = config.get("user_filter") or "(objectClass=person)"
        self.user_attribute = config.get("user_attribute") or "uid"
        self.member_attribute = config.get("member_attribute") or "member"
        self.membership_read = config.get("membership_read") or "group"
        if self.membership_read not in ("group", "memberOf"):
            raise ConnectorError("membership_read must be 'group' or 'memberOf'", retryable=False)
        self.page_size = int(config.get("page_size") or 500)
        self.timeout = max(1, math.ceil(timeout))  # ldap3 packs its socket timeouts as whole seconds
        self._base = _norm(self.user_base_dn)
        self._conn: ldap3.Connection | None = None

    # -- the connection ----------------------------------------------------------------------------
    def _connection(self) -> ldap3.Connection:
        if self._conn is not None and self._conn.bound:
            return self._conn
        try:
            server = ldap3.Server(self.url, connect_timeout=self.timeout, get_info=ldap3.NONE)
            conn = ldap3.Connection(server, user=self.bind_dn, password=self.password, receive_timeout=self.timeout,
                                    raise_exceptions=True, read_only=False, auto_range=True)
            conn.open()
            if self.start_tls:
                conn.start_tls()
            conn.bind()
        except lx.LDAPException as exc:
            raise _error("bind", exc) from None
        self._conn = conn
        return conn

    def _call(self, operation: str, fn):
        """Run `fn(conn)`; a failure drops the connection (the next call reconnects) and is a ConnectorError."""
        try:
            return fn(self._connection())
        except ConnectorError:
            raise
        except lx.LDAPException as exc:
            self.close()
            raise _error(operation, exc) from None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.unbind()
            except lx.LDAPException:
                pass
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- accounts ----------------------------------------------------------------------------------
    def _paged(self, search_filter: str, attributes: list[str]) -> Iterator[dict]:
        """Entries under the user base, a page at a time (a generator: memory stays one page)."""
        conn = self._connection()
        try:
            yield from conn.extend.standard.paged_search(
                self.user_base_dn, search_filter, search_scope=ldap3.SUBTREE, attributes=attributes,
                paged_size=self.page_size, generator=True)
        except lx.LDAPException as exc:
            self.close()
            raise _error("search", exc) from None

    def _name_of(self, entry: dict) -> str | None:
        value = entry.get("attributes", {}).get(self.user_attribute)
        if isinstance(value, list):
            value = value[0] if value else None
        return str(value) if value else None

    def list_accounts(self) -> Iterator[Account]:
        for entry in self._paged(self.user_filter, [self.user_attribute]):
            if entry.get("type") == "searchResEntry" and (name := self._name_of(entry)):
                yield Account(external_id=entry["dn"], user_name=name)

    def _find_dn(self, user_name: str) -> str | None:
        search_filter = f"(&{self.user_filter}({self.user_attribute}={escape_filter_chars(user_name)}))"

        def find(conn):
            conn.search(self.user_base_dn, search_filter, search_scope=ldap3.SUBTREE, attributes=["1.1"], size_limit=2)
            return [e.entry_dn for e in conn.entries]

        found = self._call("search", find)
        if len(found) > 1:
            raise ConnectorError(f"LDAP: more than one account has {self.user_attribute}={user_name}", retryable=False)
        return found[0] if found else None

    def _require_dn(self, person: PersonRef) -> str:
        dn = self._find_dn(person.user_name)
        if dn is None:
            raise ConnectorError(f"LDAP: no account with {self.user_attribute}={person.user_name} under "
                                 f"{self.user_base_dn}", retryable=False, status=32)
        return dn

    # -- memberships -------------------------------------------------------------------------------
    def list_memberships(self, entitlement: str) -> Iterator[str]:
        if self.membership_read == "memberOf":
            group = escape_filter_chars(entitlement)
            for entry in self._paged(f"(&{self.user_filter}(memberOf={group}))", [self.user_attribute]):
                if entry.get("type") == "searchResEntry" and (name := self._name_of(entry)):
                    yield name
            return

        def members(conn):
            conn.search(entitlement, "(objectClass=*)", search_scope=ldap3.BASE, attributes=[self.member_attribute])
            if not conn.entries:
                return []
            return conn.entries[0].entry_attributes_as_dict.get(self.member_attribute, [])

        for dn in self._call("read group", members):
            if (name := self._member_name(str(dn))) is not None:
                yield name

    def _member_name(self, dn: str) -> str | None:
        """The user name of a member DN: its RDN value when the RDN is the user attribute (no lookup),
        else the entry's attribute, read. None for members outside the user base."""
        normalized = _norm(dn)
        if not (normalized == self._base or normalized.endswith("," + self._base)):
            return None
        rdn_attr, rdn_value, _ = parse_dn(dn)[0]
        if rdn_attr.lower() == self.user_attribute.lower():
            return rdn_value

        def read(conn):
            conn.search(dn, self.user_filter, search_scope=ldap3.BASE, attributes=[self.user_attribute])
            return conn.response[0] if conn.entries else None

        try:
            entry = self._call("read member", read)
        except ConnectorError as exc:
            if exc.status == 32:  # noSuchObject: a dangling member value
                return None
            raise
        return self._name_of(entry) if entry else None

    def _modify(self, operation: str, group_dn: str, change, user_dn: str, tolerated: int) -> None:
        def modify(conn):
            conn.modify(group_dn, {self.member_attribute: [(change, [user_dn])]})

        try:
            self._call(operation, modify)
        except ConnectorError as exc:
            if exc.status != tolerated:  # already a member / already absent: the wanted state holds
                raise

    def grant(self, *, person: PersonRef, entitlement: str) -> Account:
        user_dn = self._require_dn(person)
        self._modify("grant", entitlement, ldap3.MODIFY_ADD, user_dn, ALREADY_THERE)
        return Account(external_id=user_dn, user_name=person.user_name)

    def revoke(self, *, person: PersonRef, entitlement: str) -> None:
        user_dn = self._find_dn(person.user_name)
        if user_dn is None:
            return  # no account: nothing holds the group
        self._modify("revoke", entitlement, ldap3.MODIFY_DELETE, user_dn, NOT_THERE)

    def verify(self, *, person: PersonRef, entitlement: str) -> bool:
        user_dn = self._find_dn(person.user_name)
        if user_dn is None:
            return False

        def compare(conn):
            try:
                return conn.compare(entitlement, self.member_attribute, user_dn)
            except lx.LDAPNoSuchAttributeResult:
                return False

        return bool(self._call("verify", compare))
