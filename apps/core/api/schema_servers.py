"""The schema's `servers`: the host the schema was asked from, so Swagger's "Try it out" reaches the
server that served it on any port or name; SITE_URL when there is no request (`manage.py spectacular`,
which writes the SDK's openapi.json)."""
from django.conf import settings


def servers_of_request(result, generator, request, public):
    if request is not None:
        url, description = request.build_absolute_uri("/").rstrip("/"), "This server"
    else:
        url, description = settings.SITE_URL.rstrip("/"), "Local development server (`make run`)"
    result["servers"] = [{"url": url, "description": description}]
    return result
