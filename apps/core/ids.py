from ulid import ULID


def new_id(prefix: str) -> str:
    """`<prefix>_<ULID>`: unique, and sortable by creation time."""
    return f"{prefix}_{ULID()}"
