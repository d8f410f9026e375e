"""The scope registry: the API's domains, one `<domain>:read` and `<domain>:write` scope each.

A viewset's domain is its model's app label (apps.core.api.viewsets); a domain missing here fails
when the viewset class is made, so an API key can be given every scope the API checks, and no other.
"""
API_DOMAINS = ("approvals", "files", "helpdesk", "integration", "letters", "lifecycle", "operations", "policies",
               "reviews")


def scope_choices() -> list[tuple[str, str]]:
    out = [("*", "Everything (every domain, read and write)")]
    for domain in API_DOMAINS:
        out += [(f"{domain}:read", f"{domain.capitalize()}: read"), (f"{domain}:write", f"{domain.capitalize()}: read and write")]
    return out
