import re


def snake_case(name: str) -> str:
    """AccessRequest -> access_request, HRRequest -> hr_request, SLAPolicy -> sla_policy."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
