"""The project's settings (database, middleware, authentication, REST_FRAMEWORK), serving the peer's urls."""
from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.peer.urls"
# Django's default. The project's API views opt out of the request transaction too
# (apps/core/api/viewsets.py), so keeping it on would charge only the peer a BEGIN/COMMIT per read.
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # noqa: F405
