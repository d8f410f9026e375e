"""The portal speaks the person's language: the one they chose (the language cookie Django's
set_language view sets, from the switcher at the foot of every portal page), else their browser's
(Accept-Language), else LANGUAGE_CODE. The admin, the API and e-mails stay in LANGUAGE_CODE."""
from django.utils import translation
from django.utils.cache import patch_vary_headers

PREFIX = "/portal/"


class PortalLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        language = translation.get_language_from_request(request)
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response
