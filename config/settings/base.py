"""Settings shared by every environment.

Every value comes from the environment through ``env`` (django-environ). The
platform's own settings share the ``RCM_`` prefix; the three 12-factor names that
deployment tools already speak (``DATABASE_URL``, ``REDIS_URL``,
``CELERY_BROKER_URL``) are read as they are. Nothing here touches the disk or
generates keys at import: directories are made by the code that writes into them.
"""

from datetime import timedelta
from pathlib import Path

import environ
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()


def env_path(name: str, default: Path) -> Path:
    """A filesystem path from the environment (django-environ's Path is not hashable)."""
    return Path(env.str(name, default=str(default)))


# GENERAL
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("RCM_DEBUG", default=False)
ALLOWED_HOSTS = env.list("RCM_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# SECRET_KEY and DATABASES are set per environment (local.py, production.py, test.py).

# APPS
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as our own static files (no CDN)
    "django_celery_beat",
    "axes",
    "csp",
    "users",
    "annotations",
    "inference",
    "training",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The client's address for audit events written by services that take no request.
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Turns a locked-out login (django-axes) into a 429 answer.
    "axes.middleware.AxesMiddleware",
    # Last, so it sees the views' exceptions first: a database that is away answers 503.
    "annotations.middleware.DatabaseUnavailableMiddleware",
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
            ],
        },
    },
]

# AUTH
# https://docs.djangoproject.com/en/5.2/topics/auth/customizing/#substituting-a-custom-user-model
AUTH_USER_MODEL = "users.User"
# Health data: a real minimum, checked wherever the platform sets a password (add_member,
# create_demo, createsuperuser, changepassword, the admin).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("RCM_PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username+address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "project-list"
LOGOUT_REDIRECT_URL = "login"

# LOGIN LOCKOUT (django-axes: /login/, /admin/login/, /api/auth/token/)
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
# Attempts are rows in the database (the default handler), so every web process sees them.
# A username is locked from one address after RCM_LOGIN_FAILURE_LIMIT failures, for
# RCM_LOGIN_COOLOFF_MINUTES; `manage.py axes_reset` (or axes_reset_username) lifts a lock.
# Keyed on username *and* address: an attacker elsewhere cannot lock a reader out.
AXES_FAILURE_LIMIT = env.int("RCM_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("RCM_LOGIN_COOLOFF_MINUTES", default=15.0))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "users.client_ip.client_ip"
# Proxies in front of Django that append to X-Forwarded-For (platform/nginx: 1). 0: the
# header is ignored and the connection's address counts (users/client_ip.py).
RCM_TRUSTED_PROXY_COUNT = env.int("RCM_TRUSTED_PROXY_COUNT", default=0)

# API TOKENS (users/authentication.py): a token stops working this many seconds after it was
# issued; POST /api/auth/token/ then issues a new one, DELETE revokes the caller's own.
RCM_TOKEN_TTL = env.int("RCM_TOKEN_TTL", default=24 * 3600)

# CONTENT SECURITY POLICY (django-csp), on every response
# https://django-csp.readthedocs.io/en/latest/configuration.html
# Scripts only from the platform's own files (the Vite build, the API docs' sidecar files):
# pages carry no inline script. The API docs pages widen style-src for themselves (config/urls.py).
OPENSEADRAGON_STYLE_HASH = "'sha256-9xTiqzfwFaL2SGb1rmr8gysEwVVjIvqWAgmZgqFqpEE='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Inline styles: only OpenSeadragon's one <style> element (focus outline on touch screens,
        # openseadragon.js, Viewer constructor; v6.1.1), allowed by the hash of its fixed text.
        # An upgrade that changes it shows in the browser tests (they fail on any CSP refusal).
        "style-src": ["'self'", OPENSEADRAGON_STYLE_HASH],
        # Thumbnails and tiles are the platform's; OpenSeadragon and the canvas export use data:/blob: URLs.
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# STATIC AND MEDIA
# https://docs.djangoproject.com/en/5.2/howto/static-files/
STATIC_URL = "/static/"
STATIC_ROOT = env_path("RCM_STATIC_ROOT", BASE_DIR / "staticfiles")
# The Vite build writes here (frontend/dist); its manifest maps entry points to hashed files.
FRONTEND_DIST_DIR = env_path("RCM_FRONTEND_DIST_DIR", BASE_DIR / "frontend" / "dist")
STATICFILES_DIRS = [FRONTEND_DIST_DIR]
# Mosaics, pyramids, thumbnails and uploads live under one root (a volume in production).
MEDIA_ROOT = env_path("RCM_MEDIA_ROOT", BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"

# UPLOADS AND IMAGES
# https://docs.djangoproject.com/en/5.2/ref/settings/#data-upload-max-memory-size
RCM_MAX_UPLOAD_BYTES = env.int("RCM_MAX_UPLOAD_BYTES", default=2 * 1024**3)
RCM_MAX_IMAGE_PIXELS = env.int("RCM_MAX_IMAGE_PIXELS", default=400_000_000)
RCM_DEFAULT_UM_PER_PX = env.float("RCM_DEFAULT_UM_PER_PX", default=0.5)
# A chunked upload that receives nothing for this long is aborted and its bytes deleted.
RCM_UPLOAD_IDLE_HOURS = env.float("RCM_UPLOAD_IDLE_HOURS", default=48.0)
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024**2
DATA_UPLOAD_MAX_MEMORY_SIZE = 32 * 1024**2
# API request bodies (annotations/api/parsers.py): larger ones get a 413 unread. Drawing writes
# carry one region (at most 100,000 vertices, ~2.5 MB of JSON); a GeoJSON import up to 20,000.
RCM_MAX_JSON_BYTES = env.int("RCM_MAX_JSON_BYTES", default=1024**2)
RCM_MAX_SHAPE_JSON_BYTES = env.int("RCM_MAX_SHAPE_JSON_BYTES", default=4 * 1024**2)
RCM_MAX_GEOJSON_BYTES = env.int("RCM_MAX_GEOJSON_BYTES", default=64 * 1024**2)

# CACHE
# https://docs.djangoproject.com/en/5.2/topics/cache/
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rcm"}
    )
}

# REST FRAMEWORK
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "users.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "annotations.api.parsers.SafeJSONParser",
        "annotations.api.parsers.BoundedFormParser",
        "annotations.api.parsers.BoundedMultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "annotations.api.pagination.PlatformPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "annotations.api.errors.exception_handler",
}
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
# The schema is the API contract: frontend/src/api/schema.d.ts is generated from it
# (`make api-client`), and a test fails when the two drift apart.
SPECTACULAR_SETTINGS = {
    "TITLE": "RCM annotation platform API",
    "DESCRIPTION": "Mosaics, reads and regions for reflectance confocal microscopy.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components (CaseRequest / Case): a generated client
    # then neither sends read-only fields nor misses write-only ones.
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs pages load Swagger UI and Redoc from the platform's own static files
    # (drf-spectacular-sidecar): hospital networks often cannot reach a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise ask validator.swagger.io for a badge.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
    # The deep-zoom routes are plain Django views; this hook documents them too.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "annotations.api.tiles_schema.add_tile_operations",
        "annotations.api.reading_schema.require_read_version",
    ],
    # Stable enum component names (clients generate types from them).
    "ENUM_NAME_OVERRIDES": {
        "ReadStatusEnum": "annotations.models.ReadStatus",
        "MosaicStatusEnum": "annotations.models.MosaicStatus",
        "UploadSessionStatusEnum": "annotations.models.UploadStatus",
        "FeatureLabelEnum": "annotations.vocabulary.FeatureLabel",
        "ProvenanceEnum": "annotations.models.Provenance",
        "DiagnosisEnum": "annotations.vocabulary.Diagnosis",
        "RoleEnum": "annotations.models.Role",
        "ReadKindEnum": "annotations.models.ReadKind",
        "ModelKindEnum": "inference.models.ModelKind",
        "ConsensusStartEnum": "annotations.models.ConsensusStart",
        "DecisionChoiceEnum": "annotations.models.DecisionChoice",
        "ComponentKindEnum": "annotations.models.ComponentKind",
        "ComponentStatusEnum": "annotations.selectors.adjudication.COMPONENT_STATUSES",
        "LabelSetStatusEnum": "annotations.models.LabelSetStatus",
        "DisagreementKindEnum": ["both", "only_a", "only_b"],
        # GeoJSON's "type" members (annotations/api/reading_schema.py).
        "PolygonTypeEnum": ["Polygon"],
        "MultiPolygonTypeEnum": ["MultiPolygon"],
        "FeatureTypeEnum": ["Feature"],
        "FeatureCollectionTypeEnum": ["FeatureCollection"],
    },
}

# CELERY
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("RCM_CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
# Results record the task's name, arguments and the worker that ran it (for operators, and
# for the tests, which prove a task ran in the worker process rather than in-process).
CELERY_RESULT_EXTENDED = True
CELERY_TIMEZONE = TIME_ZONE
# A killed worker must not lose a task (acks_late alone acks it anyway); the
# tasks themselves cap their retries so a task that always kills its worker stops.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Queues and routes, declared once: "cpu" for ingest and agreement, "gpu" for models (solo pool).
# Tasks are routed by name (exact names before patterns), so code that enqueues by name
# (annotations.enqueue) and beat schedules reach the same queue as ``task.delay``.
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in ("cpu", "gpu"))
CELERY_TASK_ROUTES = {
    "inference.worker_device": {"queue": "cpu"},
    "annotations.*": {"queue": "cpu"},
    "inference.*": {"queue": "gpu"},
    "training.*": {"queue": "gpu"},
}
CELERY_TASK_TIME_LIMIT = env.int("RCM_TASK_TIME_LIMIT", default=4 * 3600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Redis re-delivers an unacked task after the visibility timeout: keep it above
# the longest task so a long ingest is not run twice. A task whose worker died is
# not left to this timeout: the task outbox re-sends it once its lease runs out
# (RCM_TASK_LEASE_SECONDS below; annotations.services.outbox).
# Timeouts (seconds) so that a broker that is down or silent costs a request a few
# seconds, not a hang: the task then waits in the outbox and is sent by the sweep.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 600,
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Synced into django-celery-beat's tables at beat start; editable in the admin afterwards.
CELERY_BEAT_SCHEDULE = {
    "expire-stale-uploads": {"task": "annotations.expire_stale_uploads", "schedule": 3600.0},
    "expire-tile-grants": {"task": "annotations.expire_tile_grants", "schedule": 600.0},
    # Sweeps that wait behind a long queue expire rather than pile up.
    "flush-task-outbox": {"task": "annotations.flush_task_outbox", "schedule": 30.0, "options": {"expires": 25}},
}

# PRE-ANNOTATION (inference.services.preannotation; the task runs on the "gpu" queue)
# "auto": CUDA when the worker has it, else the CPU.
RCM_INFERENCE_DEVICE = env.str("RCM_INFERENCE_DEVICE", default="auto")
RCM_INFERENCE_BATCH_SIZE = env.int("RCM_INFERENCE_BATCH_SIZE", default=32)
# DataLoader workers reading tiles from the pyramid (0: in the task's own process).
RCM_INFERENCE_LOADER_WORKERS = env.int("RCM_INFERENCE_LOADER_WORKERS", default=0)

# TASK OUTBOX (annotations.models.outbox, annotations.services.outbox)
# A running task renews its lease every third of this; a task whose lease ran out (its
# worker died) is sent again by the next sweep. Sweeps run every 30 s (beat, above).
RCM_TASK_LEASE_SECONDS = env.float("RCM_TASK_LEASE_SECONDS", default=90.0)
# Patient resamples of the evaluation's 95 % bootstrap intervals (training.services.evaluation).
RCM_EVALUATION_RESAMPLES = env.int("RCM_EVALUATION_RESAMPLES", default=1000)
# Patient resamples of the project agreement's 95 % bootstrap intervals (annotations.agreement.aggregate).
RCM_AGREEMENT_RESAMPLES = env.int("RCM_AGREEMENT_RESAMPLES", default=2000)
# A task started this many times without finishing (its worker died each time) is given up.
RCM_TASK_MAX_STARTS = env.int("RCM_TASK_MAX_STARTS", default=5)
# Unsent rows younger than this are left to the send after commit, which is still under way.
RCM_OUTBOX_SEND_GRACE_SECONDS = env.float("RCM_OUTBOX_SEND_GRACE_SECONDS", default=5.0)
# A task sent but not started for this long is sent again (a broker that lost its queue);
# a duplicate delivery of a task already running or finished does nothing.
RCM_OUTBOX_RESEND_UNSTARTED_SECONDS = env.float("RCM_OUTBOX_RESEND_UNSTARTED_SECONDS", default=6 * 3600.0)
RCM_OUTBOX_KEEP_DAYS = env.float("RCM_OUTBOX_KEEP_DAYS", default=7.0)

# LOGGING
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("RCM_LOG_LEVEL", default="INFO")},
    # libvips reports every operation at INFO; a single ingest would flood the log.
    "loggers": {"pyvips": {"level": "WARNING"}},
}

# TILES (issue 3, deep-zoom serving: annotations/tiles, platform/nginx)
# https://docs.djangoproject.com/en/5.2/topics/cache/
# Rendered tiles go to the "tiles" alias: Redis (a client-reusing backend) when REDIS_URL is
# set, else the default cache (local memory). Environments that redefine CACHES without a
# "tiles" alias fall back to "default" (annotations/tiles/cache.py).
if REDIS_URL:
    CACHES["tiles"] = {
        "BACKEND": "annotations.tiles.redis_cache.TileRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "rcm",
    }
RCM_TILE_CACHE_ALIAS = env.str("RCM_TILE_CACHE_ALIAS", default="tiles" if REDIS_URL else "default")
RCM_TILE_CACHE_TTL = env.int("RCM_TILE_CACHE_TTL", default=24 * 3600)
# How long a worker keeps a tile-access decision. Logout, loss of access and deletion end a decision
# at once (its grant record goes: annotations/tiles/grant_records.py); this bounds the rest.
RCM_TILE_ACCESS_TTL = env.float("RCM_TILE_ACCESS_TTL", default=60.0)
RCM_TILE_ACCESS_DENY_TTL = env.float("RCM_TILE_ACCESS_DENY_TTL", default=5.0)
RCM_TILE_JPEG_QUALITY = env.int("RCM_TILE_JPEG_QUALITY", default=90)
# On a cache miss, render the N x N group of neighbouring tiles in one pyramid read (1: just the tile;
# OpenSeadragon asks for neighbours concurrently, so they miss together: see benchmarks/README.md).
RCM_TILE_RENDER_GROUP = env.int("RCM_TILE_RENDER_GROUP", default=1)
RCM_TILE_BROWSER_MAX_AGE = env.int("RCM_TILE_BROWSER_MAX_AGE", default=3600)
# /region answers 400 above this many output pixels.
RCM_TILE_REGION_MAX_PIXELS = env.int("RCM_TILE_REGION_MAX_PIXELS", default=4096 * 4096)
# Ingest pre-renders every Deep Zoom tile (JPEG, the quality above) beside the pyramid, so nginx and
# Django serve even a first view from a file (~40 % more disk than the pyramid; benchmarks/README.md).
RCM_TILE_PRERENDER = env.bool("RCM_TILE_PRERENDER", default=True)
# nginx fast path (platform/nginx): session-bound tile URLs, checked against grant records.
# Empty secret: descriptors name no such URL and every tile goes through Django.
RCM_TILE_URL_SECRET = env.str("RCM_TILE_URL_SECRET", default="")
RCM_TILE_URL_TTL = env.int("RCM_TILE_URL_TTL", default=10 * 60)
# Grant records, read by Django and nginx (default: <media root>/tilegrants).
RCM_TILE_GRANT_DIR = env.str("RCM_TILE_GRANT_DIR", default="")
# Per-user directory of tiles Django rendered (mosaics without pre-rendered tiles), served by nginx.
RCM_TILE_DISK_CACHE_DIR = env.str("RCM_TILE_DISK_CACHE_DIR", default="")

# INGEST (issue 3, mosaic ingest: annotations/ingest)
# Lossless compression of the pyramids: none | packbits | lzw | deflate[:LEVEL[:horizontal]].
# "none" is the fastest (benchmarks/README.md); "deflate:6:horizontal" saves ~17 % disk for 3-10x the CPU.
RCM_PYRAMID_COMPRESSION = env.str("RCM_PYRAMID_COMPRESSION", default="none")
