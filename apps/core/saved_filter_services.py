"""Saving and deleting a staff member's changelist views (apps/core/saved_filters.py)."""
import re
from collections.abc import Collection
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .exceptions import Forbidden
from .principal import Principal
from .saved_filters import NAME_MAX, QUERY_MAX, SavedFilter

# What a changelist URL carries besides its view: the page, the "invalid filter" flag, popup and
# facet switches, the filters an add/change page remembers. Dropped, never saved.
NOT_THE_VIEW = frozenset({"p", "e", "all", "_changelist_filters", "_popup", "_to_field", "_facets"})
SEARCH, ORDER = "q", "o"
MAX_PARAMS = 30
ORDERING = re.compile(r"-?\d{1,3}(\.-?\d{1,3}){0,9}")


def view_pairs(query: str) -> list[tuple[str, str]]:
    """The query string's parameters that make the view (filters, search, ordering), in order."""
    try:
        pairs = parse_qsl(query.strip().removeprefix("?"), keep_blank_values=True, max_num_fields=MAX_PARAMS * 2)
    except ValueError:
        raise ValidationError({"query": [f"More than {MAX_PARAMS} parameters."]}) from None
    return [(k, v) for k, v in pairs if k not in NOT_THE_VIEW]


def clean_query(query: str, *, accepted: Collection[str]) -> str:
    """The view part of `query`, re-encoded; refuses what the list does not take (`accepted`: its
    filter, search and ordering parameters)."""
    if len(query) > QUERY_MAX:
        raise ValidationError({"query": [f"The list's address is too long to save (over {QUERY_MAX} characters)."]})
    pairs = view_pairs(query)
    if len(pairs) > MAX_PARAMS:
        raise ValidationError({"query": [f"More than {MAX_PARAMS} parameters."]})
    unknown = sorted({k for k, _ in pairs} - set(accepted))
    if unknown:
        raise ValidationError({"query": [f"Not a filter of this list: {', '.join(unknown)}."]})
    for key, value in pairs:
        if key == ORDER and not ORDERING.fullmatch(value):
            raise ValidationError({"query": ["Not an ordering of this list."]})
    clean = urlencode(pairs)
    if len(clean) > QUERY_MAX:
        raise ValidationError({"query": [f"The list's address is too long to save (over {QUERY_MAX} characters)."]})
    return clean


@transaction.atomic
def saved_filter_create(*, actor: Principal, changelist: str, name: str, query: str, accepted: Collection[str],
                        shared: bool = False) -> SavedFilter:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the filter a name."]})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": [f"At most {NAME_MAX} characters."]})
    saved = SavedFilter(tenant_id=actor.tenant_id, owner_id=actor.person_id, changelist=changelist, name=name,
                        query=clean_query(query, accepted=accepted), shared=bool(shared))
    try:
        with transaction.atomic():
            saved.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"name": [f"You already have a saved filter “{name}” on this list."]}) from None
    return saved


@transaction.atomic
def saved_filter_delete(*, actor: Principal, saved_filter: SavedFilter) -> None:
    if not saved_filter.may_delete(actor):
        raise Forbidden("Only the one who saved it, or an admin if it is shared, may delete this filter.")
    saved_filter.delete()
