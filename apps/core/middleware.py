"""Middleware: API errors speak problem+json; NUL bytes refused; the API's content security policy."""
import base64
import hashlib
import re

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CSPMiddleware
from csp.utils import build_policy, default_config
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponseBadRequest

from .api.errors import PROBLEM, TITLES, problem_response

API_PREFIX = "/api/"
FORM_TYPE = "application/x-www-form-urlencoded"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def has_nul(request) -> bool:
    """A NUL in the URL (PostgreSQL refuses it in text: a query would fail with a 500)."""
    return "%00" in request.META.get("QUERY_STRING", "").lower() or "\x00" in request.path


class ApiProblemMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith(API_PREFIX)
        if is_api:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return problem_response(400, "Malformed Content-Length header.", code="malformed_request")
            if has_nul(request):
                return problem_response(400, "NUL characters are not allowed in the URL.", code="malformed_request")
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if request.content_type == "multipart/form-data":  # a file upload (apps/files): the file and the rest
                limit += settings.FILES_MAX_BYTES
            if length > limit:
                return problem_response(413, f"The request body exceeds {limit} bytes.", code="payload_too_large")
        response = self.get_response(request)
        if is_api and response.status_code >= 400 and not response.get("Content-Type", "").startswith(PROBLEM):
            if response.status_code == 404:
                return problem_response(404, f"No API endpoint at {request.path}.")
            return problem_response(response.status_code, TITLES.get(response.status_code, "Error") + ".")
        if is_api and not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))  # as CommonMiddleware would
        return response


class RefuseNulMiddleware:
    """Browser chain (the admin): a NUL in the URL or in a form body is a plain 400 page.
    Forms refuse NUL in their fields already; ids, search terms and action selections in the
    query string or body would reach the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul(request) or (request.method == "POST" and request.content_type == FORM_TYPE
                                and b"%00" in request.body.lower()):
            return HttpResponseBadRequest("NUL characters are not allowed in the request.", content_type="text/plain")
        return self.get_response(request)


_api_policy: list[str] = []


def api_policy() -> str:
    """settings.API_CONTENT_SECURITY_POLICY as a header value, built once (again when it changes)."""
    if not _api_policy:
        _api_policy.append(build_policy(config=default_config(settings.API_CONTENT_SECURITY_POLICY["DIRECTIVES"])))
    return _api_policy[0]


@receiver(setting_changed)
def _forget_api_policy(*, setting, **kwargs):
    if setting == "API_CONTENT_SECURITY_POLICY":
        _api_policy.clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware. An HTML page under /api/ (the Swagger UI: drf-spectacular renders
    one inline script) may run its own files and exactly its inline scripts, by their hashes; it
    needs neither 'unsafe-inline' nor the admin's 'unsafe-eval'. Any other API response is data, not
    a page: it gets settings.API_CONTENT_SECURITY_POLICY, which lets it load and run nothing (and
    is one string, not the page policy django-csp would build for every response)."""

    def process_response(self, request, response):
        if request.path_info.startswith(API_PREFIX):
            if not response.get("Content-Type", "").startswith("text/html"):
                if CSP_HEADER not in response and not getattr(response, "_csp_exempt", False):
                    response[CSP_HEADER] = api_policy()
                if not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None):
                    return response
            elif not response.streaming:
                hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
                          for body in _INLINE_SCRIPT.findall(response.content)]
                response._csp_replace = {"script-src": ["'self'", *hashes]}
        return super().process_response(request, response)
