"""Every response under /api/ that is an error speaks problem+json, even outside DRF."""
from django.conf import settings

from .api.errors import PROBLEM, TITLES, problem_response


class ApiProblemMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith("/api/")
        if is_api:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return problem_response(400, "Malformed Content-Length header.", code="malformed_request")
            if "%00" in request.META.get("QUERY_STRING", "").lower() or "\x00" in request.path:
                return problem_response(400, "NUL characters are not allowed in the URL.", code="malformed_request")
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return problem_response(
                    413, f"The request body exceeds {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.", code="payload_too_large"
                )
        response = self.get_response(request)
        if is_api and response.status_code >= 400 and not response.get("Content-Type", "").startswith(PROBLEM):
            if response.status_code == 404:
                return problem_response(404, f"No API endpoint at {request.path}.")
            return problem_response(response.status_code, TITLES.get(response.status_code, "Error") + ".")
        return response
