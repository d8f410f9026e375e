"""One settings file, driven by the environment (see docs/configuration.md)."""
import datetime
import logging
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

# Secure by default: DEBUG is off unless the environment turns it on (`make run` and the test
# configuration do). Without DEBUG the server refuses to start on published development secrets.
DEBUG = env.bool("DEBUG", default=False)
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-in-production-0123456789"
DEV_JWT_SECRET = "dev-insecure-jwt-secret-change-me-in-production-0123456789"
SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: set the SECRET_KEY environment variable to a long random value "
        "(or DEBUG=true for development).")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
# Where people reach the site: links in emails (NOTIFY_BASE_URL defaults to it) and the schema's
# `servers` when there is no request to take the host from. `make run` sets it from HOST and PORT.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=["http://127.0.0.1:8000", "http://localhost:8000"])

# HTTPS (docs/production.md "Production settings"): secure cookies, HSTS and the HTTPS redirect are on unless
# DEBUG; behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https.
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_header and len(_proxy_header) != 2:
    raise ImproperlyConfigured("set SECURE_PROXY_SSL_HEADER as `HEADER,value`, e.g. HTTP_X_FORWARDED_PROTO,https.")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) or None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancer probes and the Prometheus scrape reach the pod directly, in plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # the admin sends the token from the form, never reads the cookie
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_tasks",
    "csp",
    "apps.core",
    "apps.directory",  # people, groups, SCIM 2.0 provisioning: below every domain that names people
    "apps.helpdesk",
    "apps.operations",
    "apps.approvals",
    "apps.policies",
    "apps.integration",
    "apps.ops",
    "django_tasks_db",  # after apps.ops, whose db_worker (reconnects on a lost database) takes the command's name
    "apps.idempotency",
    "apps.signin",
    "axes",  # failed sign-ins throttled (apps/signin; docs/security.md)
    "apps.notifications",
    "apps.files",
    "apps.letters",
    "apps.lifecycle",  # joiners, movers and leavers: offboarding cases, birthright access
    "apps.helpdesk_mail",  # tickets by e-mail: `manage.py mail_gateway`
    "apps.portal",  # the self-service portal for every person (/portal/)
    "apps.reviews",  # access reviews (certification campaigns)
    "django_prometheus",
]

MIDDLEWARE = [
    # Request metrics, the request id and JSON request logs (apps/ops), first.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "apps.ops.logs.RequestContextMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.portal.middleware.PortalLanguageMiddleware",  # /portal/ only: the person's language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.api.conventions.RateLimitHeadersMiddleware",
    "apps.core.api.conventions.ApiConditionalGetMiddleware",
    "apps.core.middleware.ApiProblemMiddleware",
    "apps.core.middleware.RefuseNulMiddleware",  # after ApiProblemMiddleware: the API answers NUL its own way
    "simple_history.middleware.HistoryRequestMiddleware",
    "apps.ops.request_metrics.PrometheusAfterMiddleware",
    "axes.middleware.AxesMiddleware",  # the lockout page after too many failed sign-ins
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# SQLite is the embedded default; DATABASE_URL=postgres://... selects PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:  # keep server connections open between requests (a new PostgreSQL connection costs more than most requests)
    if "conn_max_age" not in env.str("DATABASE_URL", default=""):
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Parameters travel beside the SQL (no quoting in Python), and a statement run
        # DATABASE_PREPARE_THRESHOLD times on a connection is prepared by psycopg, so PostgreSQL stops
        # parsing and planning the API's hot queries (Django's default, None, never prepares; set
        # "off" behind a pooler in transaction mode that cannot keep prepared statements).
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options.setdefault("server_side_binding", env.bool("DATABASE_SERVER_SIDE_BINDING", default=True))
        threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="5").strip().lower()
        options.setdefault("prepare_threshold", None if threshold in ("", "off", "none") else int(threshold))
        # A prepared statement is planned again with its values at every run: a search's
        # `UPPER(col) LIKE '%term%'` is served by a trigram index only when the planner sees the term, and
        # PostgreSQL's generic plan (chosen after five runs) reads the whole tenant instead. What stays
        # saved is the parse. DATABASE_PLAN_CACHE_MODE=auto restores generic plans (docs/scale.md).
        plan_cache_mode = env.str("DATABASE_PLAN_CACHE_MODE", default="force_custom_plan").strip()
        if options["prepare_threshold"] is not None and plan_cache_mode:
            options.setdefault("options", f"-c plan_cache_mode={plan_cache_mode}")
# Admin and other views: each request is one transaction (an error rolls back all it wrote). API
# viewsets opt out: there every write is one service call, and the service is the transaction.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
# Every Redis call on the request path gives up after these (seconds); a failure makes the process
# leave Redis alone for REDIS_RETRY_AFTER_SECONDS and take its fallback (apps/ops/cache.py, outage.py).
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.5)
REDIS_RETRY_AFTER_SECONDS = env.float("REDIS_RETRY_AFTER_SECONDS", default=5)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "apps.ops.cache.FailSoftRedisCache", "LOCATION": REDIS_URL, "OPTIONS": {
        "socket_timeout": REDIS_SOCKET_TIMEOUT, "socket_connect_timeout": REDIS_CONNECT_TIMEOUT}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_table"}}

TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
SIMPLE_HISTORY_ENABLED = True  # its default, set: read on every save (tests/ops/test_request_overhead.py)

LANGUAGE_CODE = "en-us"
# What the portal is translated into (apps/portal/locale); the admin and the API speak LANGUAGE_CODE.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
APPEND_SLASH = False
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# Request bodies above this size are refused with 413 (problem+json under /api/).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=1_048_576)

# Identity (DESIGN.md §4)
# Verification keys of their own, never derived from SECRET_KEY (a leaked or default Django secret
# must not mint admin tokens). DEBUG alone has a development HS256 secret.
JWT_SECRET = env("JWT_SECRET", default=DEV_JWT_SECRET if DEBUG else "")
JWT_PUBLIC_KEY = env("JWT_PUBLIC_KEY", default="").replace("\\n", "\n")
if not DEBUG:
    if not JWT_SECRET and not JWT_PUBLIC_KEY and not env("JWT_JWKS_URL", default=""):
        raise ImproperlyConfigured(
            "No JWT verification key: set JWT_JWKS_URL (the provider's key set), JWT_PUBLIC_KEY (PEM, "
            "RS256/ES256) or JWT_SECRET (HS256), "
            "or DEBUG=true for development.")
    if JWT_SECRET and (JWT_SECRET == SECRET_KEY or JWT_SECRET == DEV_JWT_SECRET or len(JWT_SECRET) < 32):
        raise ImproperlyConfigured(
            "JWT_SECRET must be a secret of its own: set JWT_SECRET to a random value of at least 32 "
            "characters, different from SECRET_KEY and from the development default.")
JWT_ISSUER = env("JWT_ISSUER", default="")
JWT_AUDIENCE = env("JWT_AUDIENCE", default="")
JWT_LEEWAY_SECONDS = env.int("JWT_LEEWAY_SECONDS", default=30)

# Integration
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=DEBUG)
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=60)  # a killed worker's deliveries resend after this
WEBHOOK_PAUSE_AFTER_FAILURES = env.int("WEBHOOK_PAUSE_AFTER_FAILURES", default=5)
# The circuit breaker (apps/integration/breaker.py): a webhook pauses after PAUSE_AFTER_FAILURES failures in a
# row spanning at least PAUSE_AFTER_SECONDS (one pass's parallel burst is not an outage); paused, it keeps its
# deliveries for BACKLOG_RETENTION_DAYS and sends one probe at a time, PROBE_BASE_SECONDS doubling to PROBE_MAX_SECONDS.
WEBHOOK_PAUSE_AFTER_SECONDS = env.int("WEBHOOK_PAUSE_AFTER_SECONDS", default=180)
WEBHOOK_PROBE_BASE_SECONDS = env.int("WEBHOOK_PROBE_BASE_SECONDS", default=30)
WEBHOOK_PROBE_MAX_SECONDS = env.int("WEBHOOK_PROBE_MAX_SECONDS", default=3600)
WEBHOOK_BACKLOG_RETENTION_DAYS = env.int("WEBHOOK_BACKLOG_RETENTION_DAYS", default=7)
WEBHOOK_SEND_CONCURRENCY = env.int("WEBHOOK_SEND_CONCURRENCY", default=16)  # requests in flight per delivery pass
# Deliveries one pass leases: a pass's fixed costs (fan-out, leasing, summaries) are shared by this many sends.
WEBHOOK_PASS_BATCH = env.int("WEBHOOK_PASS_BATCH", default=500)
SECRET_STORE = env("SECRET_STORE", default="database")  # database | vault
SECRET_STORE_KEY = env("SECRET_STORE_KEY", default="")  # Fernet key; derived from SECRET_KEY when empty
VAULT_ADDR = env("VAULT_ADDR", default="")
VAULT_TOKEN = env("VAULT_TOKEN", default="")
VAULT_MOUNT = env("VAULT_MOUNT", default="secret")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.auth.ApiKeyAuthentication",
        "apps.core.auth.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.permissions.IsPrincipal"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.NewestFirstCursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "apps.core.api.filters.StrictFilterBackend",
        "rest_framework.filters.SearchFilter",
        "apps.core.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.ProblemAutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.errors.problem_exception_handler",
    "DEFAULT_PARSER_CLASSES": ["apps.core.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["apps.core.api.renderers.ORJSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.core.api.negotiation.JSONNegotiation",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 50,
    "COERCE_DECIMAL_TO_STRING": False,  # money is a JSON number, as the resource pages document it
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Back office API",
    "DESCRIPTION": "HR and IT operations: access, equipment, travel, HR letters, approvals, "
    "policies, helpdesk and integrations. Every record is scoped to the caller's tenant.\n\n"
    "Errors are `application/problem+json` (RFC 9457). Lists are cursor pages (`results`, `next`, "
    "`previous`). Record responses carry an `ETag`; send it as `If-Match` to refuse stale writes.\n\n"
    "**Versioning.** Operation ids (and the SDK's method names) do not change within a major version. "
    "What is on its way out is marked `deprecated: true` here, and an answer to a request that used it "
    "carries `Deprecation` (RFC 9745), `Sunset` (RFC 8594, when it stops working) and a "
    "`Link: <…>; rel=\"deprecation\"`.",
    "VERSION": "1.0.0",
    "CONTACT": {"name": "Back office team", "url": "https://github.com/backoffice/backoffice"},
    "LICENSE": {"name": "Proprietary", "url": "https://github.com/backoffice/backoffice/blob/main/LICENSE"},
    # The written schema (the SDK's openapi.json) names SITE_URL; the served one, the host asked
    # (apps.core.api.schema_servers).
    "SERVERS": [{"url": SITE_URL.rstrip("/"), "description": "Local development server (`make run`)"}],
    "TAGS": [
        {"name": "operations", "description": "Access requests, HR requests, pending items, equipment and travel."},
        {"name": "approvals", "description": "Approval requests and their sequential steps."},
        {"name": "policies", "description": "Versioned policy documents, reviews and acknowledgements."},
        {"name": "helpdesk", "description": "Tickets, their comments, and SLA policies."},
        {"name": "integration", "description": "Applications, connectors, API keys and outbound webhooks."},
        {"name": "files", "description": "Files attached to records: upload, list, download, remove."},
        {"name": "letters", "description": "HR letter templates and the letters drawn from them (HR only)."},
        {"name": "lifecycle", "description": "Joiners, movers and leavers: offboarding cases, birthright rules, planned leaving dates."},
        {"name": "reviews", "description": "Access reviews: certification campaigns over active grants and the reviewers' decisions."},
        {"name": "events", "description": "Events sent to webhooks (the `webhooks` section; docs/events.md)."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "OAS_VERSION": "3.1.0",
    "ENUM_NAME_OVERRIDES": {
        "LetterStatusEnum": "apps.letters.models.LetterStatus",
        "OffboardingCaseStatusEnum": "apps.lifecycle.choices.CaseStatus",
        "OffboardingItemStatusEnum": "apps.lifecycle.choices.ItemStatus",
        "OffboardingItemKindEnum": "apps.lifecycle.choices.ItemKind",
        "ReviewCampaignStatusEnum": "apps.reviews.choices.CampaignStatus",
        "ReviewItemStatusEnum": "apps.reviews.choices.ItemStatus",
    },
    "PREPROCESSING_HOOKS": ["apps.core.api.schema.name_enums"],
    "POSTPROCESSING_HOOKS": ["apps.core.api.schema_webhooks.add_webhooks",
                             "drf_spectacular.hooks.postprocess_schema_enums",
                             "apps.core.api.schema.polish_paths",
                             "apps.core.api.schema_contract.state_the_contract",
                             "apps.idempotency.schema.document_idempotency_key",
                             "apps.core.api.schema_servers.servers_of_request"],  # the request's host or SITE_URL
}

# Content-Security-Policy (django-csp). The admin (django-unfold) runs Alpine.js, whose standard
# build evaluates its x-* attributes with `new Function` ('unsafe-eval'), and sets inline styles
# from templates and x-bind:style ('unsafe-inline' for styles only). Inline scripts need a nonce;
# the Swagger UI's one inline script is allowed by its hash (apps/core/middleware.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_EVAL, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# An API response that is not a page (JSON, problem+json) loads and runs nothing, and no page may
# frame it (OWASP REST Security). The Swagger UI under /api/ keeps the policy above.
API_CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [NONE], "frame-ancestors": [NONE]}}
CONTENT_SECURITY_POLICY_REPORT_ONLY = None  # no report-only policy (set, so reading it per response is cheap)

UNFOLD = {
    "SITE_TITLE": "Back office",
    "SITE_HEADER": "Back office",
    "SITE_SYMBOL": "work",
    "SHOW_HISTORY": True,
    "DASHBOARD_CALLBACK": "apps.core.admin_dashboard.dashboard_callback",
    # static/backoffice: the skip link, contrast, phone-width cards; icon names hidden from screen readers.
    "STYLES": [lambda request: static("backoffice/admin.css")],
    "SCRIPTS": [lambda request: static("backoffice/admin-a11y.js"),
                lambda request: static("backoffice/admin-lists.js")],
    "SITE_FAVICONS": [{"rel": "icon", "type": "image/svg+xml", "href": lambda request: static("favicon.svg")}],
}

# ---- Production: logs, metrics, static files, Sentry, scheduler (apps/ops; docs/production.md "Running in production") ----
from apps.ops import logs as _logs  # noqa: E402

# One JSON object per line (LOG_FORMAT=console for people), with request id, tenant, person and app.
LOGGING = _logs.configure(fmt=env("LOG_FORMAT", default="json"), level=env("LOG_LEVEL", default="INFO"))
# Every setting django-structlog reads per request is set here, its defaults included: a setting
# missing from this module costs an AttributeError on each read (django.conf caches only the ones it
# finds), several per request (tests/ops/test_request_overhead.py holds it).
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # apps.ops.logs.bind_client_ip: the address axes uses, not any header
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG  # one line per request (request_finished) at INFO
DJANGO_STRUCTLOG_STATUS_DEFAULT_LOG_LEVEL = logging.INFO
DJANGO_STRUCTLOG_STATUS_2XX_LOG_LEVEL = logging.INFO
DJANGO_STRUCTLOG_STATUS_4XX_LOG_LEVEL = logging.WARNING
DJANGO_STRUCTLOG_STATUS_5XX_LOG_LEVEL = logging.ERROR
DJANGO_STRUCTLOG_USER_ID_FIELD = "pk"
DJANGO_STRUCTLOG_TRUST_UPSTREAM_CORRELATION_ID = False
# Keep an incoming X-Request-ID (set it behind a proxy that stamps one); otherwise each request gets a new id.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env.bool("TRUST_UPSTREAM_REQUEST_ID", default=False)

# WhiteNoise serves the static files. STATIC_MANIFEST=true (the image sets it; needs collectstatic)
# gives them content-hashed names, served compressed with far-future cache headers.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if STATIC_MANIFEST
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Files on records (apps/files): the "files" storage is the local filesystem (FILES_ROOT) unless
# FILES_S3_BUCKET names an S3-compatible bucket (django-storages; FILES_S3_ENDPOINT_URL for MinIO,
# Ceph, moto…; credentials from FILES_S3_ACCESS_KEY/SECRET_KEY or boto3's usual environment).
FILES_ROOT = env.path("FILES_ROOT", default=BASE_DIR / "var" / "files")
FILES_S3_BUCKET = env("FILES_S3_BUCKET", default="")
if FILES_S3_BUCKET:
    STORAGES["files"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": FILES_S3_BUCKET,
        "endpoint_url": env("FILES_S3_ENDPOINT_URL", default="") or None,
        "region_name": env("FILES_S3_REGION", default="") or None,
        "access_key": env("FILES_S3_ACCESS_KEY", default="") or None,
        "secret_key": env("FILES_S3_SECRET_KEY", default="") or None,
        "default_acl": None,  # the bucket stays private: downloads go through the app only
        "querystring_auth": True,
        "file_overwrite": False,
    }}
else:
    STORAGES["files"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                         "OPTIONS": {"location": str(FILES_ROOT), "base_url": None}}
FILES_MAX_BYTES = env.int("FILES_MAX_BYTES", default=10 * 1024 * 1024)  # one file
FILES_MAX_RECORD_BYTES = env.int("FILES_MAX_RECORD_BYTES", default=50 * 1024 * 1024)  # all files of one record
FILES_MAX_PER_RECORD = env.int("FILES_MAX_PER_RECORD", default=50)
FILES_ALLOWED_TYPES = env.list("FILES_ALLOWED_TYPES", default=[
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
])
FILES_RETENTION_DAYS = env.int("FILES_RETENTION_DAYS", default=30)  # deleted files' bytes kept this long
FILES_CLAMD = env("FILES_CLAMD", default="")  # unix:///run/clamav/clamd.ctl or tcp://127.0.0.1:3310
FILES_CLAMD_TIMEOUT = env.float("FILES_CLAMD_TIMEOUT", default=30.0)
FILES_LINK_MAX_AGE = env.int("FILES_LINK_MAX_AGE", default=30 * 24 * 3600)  # signed file links in e-mails (seconds)

# /metrics answers a bearer of METRICS_TOKEN or an address in METRICS_ALLOWED_IPS (CIDRs allowed);
# with neither set it is a 404. Under gunicorn, PROMETHEUS_MULTIPROC_DIR sums all workers.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])

SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    from apps.ops.scrub import sentry_before_breadcrumb, sentry_before_send

    sentry_sdk.init(dsn=SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"),
                    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0), send_default_pii=False,
                    before_send=sentry_before_send, before_breadcrumb=sentry_before_breadcrumb)

# With the cache (Redis) down, API-key rate limits count in the database (`database`) or are not
# enforced (`skip`) until it is back; never a 500.
RATE_LIMIT_CACHE_FAILURE = env("RATE_LIMIT_CACHE_FAILURE", default="database")
if RATE_LIMIT_CACHE_FAILURE not in ("database", "skip"):
    raise ImproperlyConfigured("RATE_LIMIT_CACHE_FAILURE is `database` or `skip`.")

# `manage.py scheduler` (apps/ops/schedule.py): the job list, the delivery pass period, purge age.
SCHEDULER_JOBS = env("SCHEDULER_JOBS", default="apps.ops.schedule.default_jobs")
SCHEDULER_DELIVER_SECONDS = env.int("SCHEDULER_DELIVER_SECONDS", default=5)
# A job run's claim: renewed every third of this while the run goes on, so a killed scheduler's jobs are free
# again within this many seconds (docs/production.md "Running in production", supervision)
SCHEDULER_LEASE_SECONDS = env.float("SCHEDULER_LEASE_SECONDS", default=30)
PURGE_DELETED_AFTER_DAYS = env.int("PURGE_DELETED_AFTER_DAYS", default=30)
# How long a POST or PATCH answered under an Idempotency-Key is replayed (apps/idempotency; Stripe's 24 h).
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# Field aliases (models' field_aliases) are deprecated: answers to requests using one carry
# `Deprecation` from this date and `Sunset` at the date they stop being accepted (apps/core/api/deprecation.py).
API_ALIASES_DEPRECATED_SINCE = datetime.date.fromisoformat(env("API_ALIASES_DEPRECATED_SINCE", default="2026-12-01"))
API_ALIASES_SUNSET = datetime.date.fromisoformat(env("API_ALIASES_SUNSET", default="2027-06-30"))
ACCESS_EXPIRY_WARNING_DAYS = env.int("ACCESS_EXPIRY_WARNING_DAYS", default=7)  # owners hear this far ahead
# Connectors (apps/integration/connectors) and the provisioning engine (apps/operations/provisioning.py):
# seconds per call to a target; automatic retries of a failing grant or removal, the first after
# PROVISIONING_RETRY_SECONDS, doubling, at most an hour apart; how long a worker's claim lasts.
CONNECTOR_TIMEOUT_SECONDS = env.float("CONNECTOR_TIMEOUT_SECONDS", default=10.0)
PROVISIONING_MAX_ATTEMPTS = env.int("PROVISIONING_MAX_ATTEMPTS", default=6)
PROVISIONING_RETRY_SECONDS = env.int("PROVISIONING_RETRY_SECONDS", default=60)
# An offboarding revoke whose automatic retries are spent is handed to its connector again this much later.
LIFECYCLE_RETRY_SECONDS = env.int("LIFECYCLE_RETRY_SECONDS", default=900)
PROVISIONING_LEASE_SECONDS = env.int("PROVISIONING_LEASE_SECONDS", default=300)
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=90)  # outbox events fanned out and settled
DELIVERY_RETENTION_DAYS = env.int("DELIVERY_RETENTION_DAYS", default=30)  # delivered or given-up webhook deliveries
# ---- end of production block ----

# ---- Staff sign-in and service tokens from the identity provider (apps/signin; docs/security.md) ----
# Service JWTs verified against the provider's key set (takes precedence over JWT_PUBLIC_KEY/JWT_SECRET):
# cached JWT_JWKS_CACHE_SECONDS, refetched on an unknown `kid` at most once per JWT_JWKS_MIN_REFRESH_SECONDS.
JWT_JWKS_URL = env("JWT_JWKS_URL", default="")
JWT_JWKS_CACHE_SECONDS = env.float("JWT_JWKS_CACHE_SECONDS", default=300.0)
JWT_JWKS_MIN_REFRESH_SECONDS = env.float("JWT_JWKS_MIN_REFRESH_SECONDS", default=30.0)
JWT_JWKS_TIMEOUT_SECONDS = env.float("JWT_JWKS_TIMEOUT_SECONDS", default=5.0)
# true: a tenant's identity provider with an API audience also issues service tokens for that tenant.
JWT_TENANT_ISSUERS = "apps.signin.tokens.tenant_issuers" if env.bool("JWT_TENANT_PROVIDERS", default=False) else ""
# What an `sk-…` API key resolves to (apps/core/auth.py ApiKeyAuthentication; the integration domain's keys).
API_KEY_RESOLVER = "apps.integration.auth.resolve_api_key"
AUTHENTICATION_BACKENDS = [
    "apps.signin.backends.ThrottledSignInBackend",  # django-axes: refuses locked-out sign-ins first
    "apps.signin.backends.TenantPasswordBackend",  # local passwords (unless the tenant switched them off)
    "apps.signin.backends.TenantOIDCBackend",  # OpenID Connect through the tenant's provider
]
# mozilla-django-oidc, per tenant (apps/signin/views.py): PKCE, client_secret_basic at the token endpoint.
OIDC_USE_PKCE = True
OIDC_TOKEN_USE_BASIC_AUTH = True
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT_SECONDS", default=10.0)
OIDC_AUTHENTICATION_CALLBACK_URL = "signin:oidc_callback"
LOGIN_REDIRECT_URL_FAILURE = "/admin/login/"
# A provider's URLs (called by the server) may be on private/loopback addresses: development, or an IdP inside.
SIGNIN_ALLOW_PRIVATE_PROVIDERS = env.bool("SIGNIN_ALLOW_PRIVATE_PROVIDERS", default=DEBUG)
# The client address (lockouts, logs): REMOTE_ADDR, or behind the proxies listed here the right-most
# X-Forwarded-For hop that is not one of them (apps/core/client_ip.py). A header alone is never believed.
# (gunicorn's FORWARDED_ALLOW_IPS only decides whose X-Forwarded-Proto it believes.)
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
if "*" in TRUSTED_PROXIES:
    raise ImproperlyConfigured("TRUSTED_PROXIES cannot be `*`: list the proxies' addresses or networks "
                               "(trusting every hop lets a client choose its address).")
if env("AXES_IPWARE_META_PRECEDENCE_ORDER", default=""):
    raise ImproperlyConfigured("AXES_IPWARE_META_PRECEDENCE_ORDER is no longer read (it let clients choose their "
                               "address): list your proxies in TRUSTED_PROXIES instead.")
# django-axes: AXES_FAILURE_LIMIT failed sign-ins for one username (from anywhere), or from one address
# (for any usernames), lock that username, or that address, for AXES_COOLOFF_MINUTES; a success resets
# the count. Only password attempts count: an OIDC callback names no username (AXES_WHITELIST_CALLABLE).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15.0) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "apps.core.client_ip.client_ip"
AXES_WHITELIST_CALLABLE = "apps.signin.backends.not_a_password_attempt"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "signin/locked_out.html"
AXES_ENABLE_ADMIN = False  # lockouts are reset with `manage.py axes_reset_username USER` (or they expire)
# ---- end of sign-in block ----

# ---- Notifications (apps/notifications; docs/notifications.md) ----
# Mail through Django's email framework: EMAIL_URL as smtp://user:pass@host:587, smtp+tls://…,
# smtps://… or consolemail:// (every message in full on the console).
vars().update(env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"))
if DEBUG and not env("EMAIL_URL", default=""):
    # Development: one line per message on the console; EMAIL_URL=consolemail:// prints them whole,
    # and `manage.py show_mail` shows any message sent.
    EMAIL_BACKEND = "apps.notifications.mail_summary.SummaryEmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
NOTIFY_FROM_EMAIL = env("NOTIFY_FROM_EMAIL", default="Back office <noreply@localhost>")
NOTIFY_BASE_URL = env("NOTIFY_BASE_URL", default=SITE_URL)  # links in emails
NOTIFY_MESSAGE_ID_DOMAIN = env("NOTIFY_MESSAGE_ID_DOMAIN", default="backoffice.local")
NOTIFY_DECISION_LINK_MAX_AGE = env.int("NOTIFY_DECISION_LINK_MAX_AGE", default=7 * 86400)  # seconds
NOTIFY_PREFERENCES_LINK_MAX_AGE = env.int("NOTIFY_PREFERENCES_LINK_MAX_AGE", default=90 * 86400)
NOTIFY_LEASE_SECONDS = env.int("NOTIFY_LEASE_SECONDS", default=120)  # a dead worker's messages wait this long
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=8)
NOTIFY_RETRY_BASE_SECONDS = env.int("NOTIFY_RETRY_BASE_SECONDS", default=30)  # doubles per attempt…
NOTIFY_RETRY_MAX_SECONDS = env.int("NOTIFY_RETRY_MAX_SECONDS", default=3600)  # …up to this
NOTIFY_OUTBOX_LOOKBACK_HOURS = env.int("NOTIFY_OUTBOX_LOOKBACK_HOURS", default=24)  # older events notify no one
SCHEDULER_NOTIFY_SECONDS = env.int("SCHEDULER_NOTIFY_SECONDS", default=10)
# Tickets by e-mail (`manage.py mail_gateway`, docs/helpdesk-mail.md): where the gateway listens for the MTA.
MAIL_GATEWAY_HOST = env("MAIL_GATEWAY_HOST", default="127.0.0.1")
MAIL_GATEWAY_PORT = env.int("MAIL_GATEWAY_PORT", default=2525)
MAIL_GATEWAY_WORKERS = env.int("MAIL_GATEWAY_WORKERS", default=4)
MAIL_GATEWAY_MAX_BYTES = env.int("MAIL_GATEWAY_MAX_BYTES", default=25 * 1024 * 1024)  # larger: 552
NOTIFY_DIGEST_HOUR = env.int("NOTIFY_DIGEST_HOUR", default=7)  # UTC hour of the daily digest
# ---- end of notifications block ----

# ---- Connectors: reconciliation and credentials (apps/integration/reconcile.py, credentials.py) ----
SCHEDULER_CONNECTOR_SYNC_SECONDS = env.int("SCHEDULER_CONNECTOR_SYNC_SECONDS", default=900)  # sync_connector --all
CONNECTOR_FAILING_AFTER_ERRORS = env.int("CONNECTOR_FAILING_AFTER_ERRORS", default=3)  # then failing, owner told
CONNECTOR_ROTATION_DAYS = env.int("CONNECTOR_ROTATION_DAYS", default=90)  # next_rotation_due after a rotation
CONNECTOR_ROTATION_WARNING_DAYS = env.int("CONNECTOR_ROTATION_WARNING_DAYS", default=14)  # reminder this far ahead
CONNECTOR_OAUTH_REFRESH_MARGIN_MINUTES = env.int("CONNECTOR_OAUTH_REFRESH_MARGIN_MINUTES", default=60)
# ---- end of connectors block ----

# ---- Directory and SCIM 2.0 provisioning (apps/directory/models.py, apps/directory/scim/) ----
# Strict mode is per tenant (admin: Directory settings); each process remembers a tenant's setting
# this many seconds, so lenient writes cost no query (0: read it on every write; DEBUG's default).
DIRECTORY_STRICT_CACHE_SECONDS = env.int("DIRECTORY_STRICT_CACHE_SECONDS", default=0 if DEBUG else 10)
# How long a process trusts that a token's subject is not a deactivated Person (apps/core/auth.py).
DIRECTORY_ACTIVE_CACHE_SECONDS = env.int("DIRECTORY_ACTIVE_CACHE_SECONDS", default=0 if DEBUG else 30)
SCIM_SERVICE_PROVIDER = {
    "USER_MODEL_GETTER": "apps.directory.scim.adapters.person_model",
    "USER_ADAPTER": "apps.directory.scim.adapters.ScimPerson",
    "GROUP_MODEL": "apps.directory.models.Group",
    "GROUP_ADAPTER": "apps.directory.scim.adapters.ScimGroup",
    "USER_FILTER_PARSER": "apps.directory.scim.filters.PersonFilterQuery",
    "GROUP_FILTER_PARSER": "apps.directory.scim.filters.GroupFilterQuery",
    "SERVICE_PROVIDER_CONFIG_MODEL": "apps.directory.scim.adapters.ServiceProviderConfig",
    "SCHEMAS_GETTER": "apps.directory.scim.schemas.published_schemas",
    "BASE_LOCATION_GETTER": "apps.directory.scim.auth.base_location",
    "GET_EXTRA_MODEL_FILTER_KWARGS_GETTER": "apps.directory.scim.auth.tenant_filter_getter",
    "AUTH_CHECK_MIDDLEWARE": "apps.directory.scim.auth.ScimTokenAuth",
    "NETLOC": env("SCIM_NETLOC", default="unused"),  # locations are built from the request (base_location)
    "AUTHENTICATION_SCHEMES": [{"type": "oauthbearertoken", "name": "Bearer token", "primary": True,
                                "description": "A per-tenant SCIM token created in the admin (Directory > SCIM tokens)."}],
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="scim"',
}

# ---- Scale-out: tasks on Redis (RQ), PgBouncer in transaction mode (docs/production.md "Running in production") ----
# TASKS_BACKEND=rq runs the same tasks on django-tasks-rq (`manage.py rqworker`, any number) with the
# queue on RQ_REDIS_URL (default REDIS_URL); `database` (the default) keeps django_tasks_db's `db_worker`.
# Workers reconnect after a lost database or Redis (apps/ops/workers.py), waiting from the first to the second
# figure, doubling; a task a dead worker left RUNNING is READY again after TASK_LEASE_SECONDS.
WORKER_RECONNECT_MIN_SECONDS = env.float("WORKER_RECONNECT_MIN_SECONDS", default=0.5)
WORKER_RECONNECT_MAX_SECONDS = env.float("WORKER_RECONNECT_MAX_SECONDS", default=15)
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=900)
_TASKS_BACKENDS = {"database": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend"}
TASKS_BACKEND = env("TASKS_BACKEND", default="database")
TASKS = {"default": {"BACKEND": _TASKS_BACKENDS.get(TASKS_BACKEND, TASKS_BACKEND)}}
if TASKS["default"]["BACKEND"] == _TASKS_BACKENDS["rq"]:
    RQ_REDIS_URL = env("RQ_REDIS_URL", default=REDIS_URL)
    if not RQ_REDIS_URL:
        raise ImproperlyConfigured(
            "TASKS_BACKEND=rq needs a Redis: set RQ_REDIS_URL or REDIS_URL (e.g. redis://host:6379/0).")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # A pass waits on receivers (up to 30 s each): RQ's 180 s job timeout would kill long ones. A
    # killed pass only delays its deliveries to their lease's end (the scheduler resends them).
    # django-rq reads a URL's connection only from the URL itself: the timeouts go in its query (a worker
    # raises its own socket timeout above its blocking wait; enqueueing on the request path keeps these).
    _rq_timeouts = f"socket_timeout={REDIS_SOCKET_TIMEOUT}&socket_connect_timeout={REDIS_CONNECT_TIMEOUT}"
    RQ_QUEUES = {"default": {"URL": RQ_REDIS_URL + ("&" if "?" in RQ_REDIS_URL else "?") + _rq_timeouts,
                             "DEFAULT_TIMEOUT": env.int("RQ_JOB_TIMEOUT", default=900)}}
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}  # `manage.py rqworker` runs django-tasks jobs without --job-class
    RQ_SHOW_ADMIN_LINK = False  # its dashboard lists every tenant's jobs; the admin stays tenant-scoped
# Behind PgBouncer in transaction mode each transaction may get another server connection: set
# DATABASE_PREPARE_THRESHOLD=off (PgBouncer < 1.21 keeps no prepared statements) and
# DATABASE_DISABLE_SERVER_SIDE_CURSORS=true (.iterator() cursors would outlive their transaction).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False)
# ---- end of scale-out block ----
