from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.defaults import page_not_found
from django.views.defaults import server_error as html_server_error

from .api.errors import problem_response


def healthz(request):
    return JsonResponse({"status": "ok"})


def readyz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # the point of the probe is to report any failure
        return JsonResponse({"status": "unavailable", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return problem_response(404, f"No API endpoint at {request.path}.")
    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return problem_response(500, "Something went wrong on our side; nothing was changed.")
    return html_server_error(request)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the site's icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
