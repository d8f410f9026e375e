"""RFC 9865 cursors for /Users and /Groups: the last id of a page, signed (Django's signing) with the query it
belongs to, so the server keeps no state and a client can neither forge one nor carry it to another query.

The query is the tenant, the resource type and the filter: a cursor issued for another tenant or another filter
is `invalidCursor`. `count` is not part of it (a keyset page is the same rows whatever the page size before it),
nor are `attributes`/`excludedAttributes` (they shape the rows, not which rows)."""
import hashlib

from django.core import signing

from .errors import bad_request

CURSOR_TIMEOUT = 3600  # seconds a cursor stays valid (ServiceProviderConfig `cursorTimeout`)
SALT = "apps.directory.scim.cursor"


def _signer() -> signing.TimestampSigner:
    # "." joins the parts: RFC 9865 §2 allows a cursor RFC 3986's unreserved characters only (Django's ":" is not).
    return signing.TimestampSigner(salt=SALT, sep=".")


def cursor_query(*, tenant_id: str, resource: str, filter_query: str | None) -> str:
    """What a cursor is bound to, as a short digest (the cursor stays opaque and short)."""
    scope = "\x1f".join((tenant_id, resource, filter_query or ""))
    return hashlib.sha256(scope.encode()).hexdigest()[:24]


def cursor_issue(*, query: str, after: str) -> str:
    return _signer().sign_object({"q": query, "a": after})


def cursor_open(*, cursor: str, query: str) -> str | None:
    """The id a page starts after (None: the first page, asked with an empty cursor), or a SCIM 400."""
    if cursor == "":
        return None
    try:
        content = _signer().unsign_object(cursor, max_age=CURSOR_TIMEOUT)
    except signing.SignatureExpired as exc:
        raise bad_request(f"The cursor is older than {CURSOR_TIMEOUT} seconds (cursorTimeout): "
                          "start again with an empty cursor.", "expiredCursor") from exc
    except (signing.BadSignature, ValueError) as exc:
        raise bad_request("The cursor is not one this service issued: send the nextCursor of the previous page, "
                          "or an empty cursor for the first page.", "invalidCursor") from exc
    if not isinstance(content, dict) or content.get("q") != query or not isinstance(content.get("a"), str):
        raise bad_request("The cursor was issued for another query (tenant, resource type or filter): "
                          "page with the query it came from, or start again with an empty cursor.", "invalidCursor")
    return content["a"]
