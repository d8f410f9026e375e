from urllib.parse import urlencode

from django import template
from django.urls import reverse

from ..models import IdentityProvider

register = template.Library()


@register.simple_tag
def signin_providers(next_url: str = ""):
    """The enabled providers, for one button each on the admin login page."""
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return [{"name": p.name, "url": reverse("signin:oidc_authenticate", args=[p.tenant_id]) + query}
            for p in IdentityProvider.objects.filter(enabled=True).order_by("name").only("tenant_id", "name")]
