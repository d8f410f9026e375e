"""A throwaway URLconf: one view that fails while holding every kind of credential in its locals and
its message, as a request that crashes mid-way would (tests/ops/test_outage_secrets.py)."""
import json

from django.urls import path


def explode(request):
    authorization = request.headers.get("Authorization", "")
    api_key = request.headers.get("X-Api-Key", "")
    cookies = request.headers.get("Cookie", "")
    body = json.loads(request.body or b"{}")
    signing_secret, scim = body.get("signing"), body.get("scim")
    raise RuntimeError(f"upstream refused {authorization} {api_key} {signing_secret} {scim} {cookies}")


urlpatterns = [path("explode/", explode)]
