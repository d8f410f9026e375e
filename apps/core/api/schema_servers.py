"""The served schema's `servers`: the host the schema was asked from, so Swagger's "Try it out"
reaches the server that served it on any port or name. Without a request (`manage.py spectacular`,
which writes the SDK's openapi.json) SPECTACULAR_SETTINGS["SERVERS"] stands: SITE_URL."""


def servers_of_request(result, generator, request, public):
    if request is not None:
        result["servers"] = [{"url": request.build_absolute_uri("/").rstrip("/"), "description": "This server"}]
    return result
