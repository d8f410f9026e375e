"""Content negotiation when the API has one renderer (JSON)."""
from rest_framework.negotiation import DefaultContentNegotiation

COMMON_ACCEPT = ("", "*/*", "application/json")


class JSONNegotiation(DefaultContentNegotiation):
    """The Accept headers clients send nearly always (none, */*, application/json) choose the JSON
    renderer without parsing media types; anything else goes through DRF's negotiation (406 …)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if (len(renderers) == 1 and format_suffix is None
                and request.META.get("HTTP_ACCEPT", "") in COMMON_ACCEPT
                and self.settings.URL_FORMAT_OVERRIDE not in request.query_params):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
