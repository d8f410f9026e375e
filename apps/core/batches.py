"""Due work read in keyset order, a batch at a time: a sweep's memory and each of its transactions stay
bounded by the batch however much falls due, and no batch reads again what an earlier one read (no OFFSET,
no rescan from the start of the index)."""
from collections.abc import Iterator

from django.db.models import Q, QuerySet


def keyset_batches(queryset: QuerySet, *, key: str, size: int) -> Iterator[list]:
    """Lists of at most `size` rows of `queryset` in (`key`, pk) order, each read after the last row of the
    one before. Rows the caller changed so that they leave `queryset` are simply not met again."""
    ordered = queryset.order_by(key, "pk")
    after = None
    while True:
        page = ordered if after is None else ordered.filter(Q(**{f"{key}__gt": after[0]}) | Q(**{key: after[0], "pk__gt": after[1]}))
        batch = list(page[:size])
        if not batch:
            return
        yield batch
        after = (getattr(batch[-1], key), batch[-1].pk)
