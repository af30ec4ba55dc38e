"""Settings shared by every environment.

Every value comes from the environment through ``env`` (django-environ). The
platform's own settings share the ``RCM_`` prefix; the three 12-factor names that
deployment tools already speak (``DATABASE_URL``, ``REDIS_URL``,
``CELERY_BROKER_URL``) are read as they are. Nothing here touches the disk or
generates keys at import: directories are made by the code that writes into them.
"""

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
    "django_celery_beat",
    "annotations",
    "inference",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
# https://docs.djangoproject.com/en/5.2/topics/auth/
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "project-list"
LOGOUT_REDIRECT_URL = "login"

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
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "annotations.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
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
SPECTACULAR_SETTINGS = {
    "TITLE": "RCM annotation platform API",
    "DESCRIPTION": "Mosaics, reads and regions for reflectance confocal microscopy.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# CELERY
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("RCM_CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
# A killed worker must not lose a task (acks_late alone acks it anyway); the
# tasks themselves cap their retries so a task that always kills its worker stops.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Queues, declared once: "cpu" for ingest and agreement, "gpu" for models (solo pool).
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in ("cpu", "gpu"))
CELERY_TASK_TIME_LIMIT = env.int("RCM_TASK_TIME_LIMIT", default=4 * 3600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Redis re-delivers an unacked task after the visibility timeout: keep it above
# the longest task so a long ingest is not run twice.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Synced into django-celery-beat's tables at beat start; editable in the admin afterwards.
CELERY_BEAT_SCHEDULE = {
    "expire-stale-uploads": {"task": "annotations.expire_stale_uploads", "schedule": 3600.0},
}

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
# How long a worker trusts a tile-access decision: revoking access takes effect within this.
RCM_TILE_ACCESS_TTL = env.float("RCM_TILE_ACCESS_TTL", default=60.0)
RCM_TILE_ACCESS_DENY_TTL = env.float("RCM_TILE_ACCESS_DENY_TTL", default=5.0)
RCM_TILE_JPEG_QUALITY = env.int("RCM_TILE_JPEG_QUALITY", default=90)
# On a cache miss, render the N x N group of neighbouring tiles in one pyramid read (1: just the tile;
# OpenSeadragon asks for neighbours concurrently, so they miss together: see benchmarks/README.md).
RCM_TILE_RENDER_GROUP = env.int("RCM_TILE_RENDER_GROUP", default=1)
RCM_TILE_BROWSER_MAX_AGE = env.int("RCM_TILE_BROWSER_MAX_AGE", default=3600)
# /region answers 400 above this many output pixels.
RCM_TILE_REGION_MAX_PIXELS = env.int("RCM_TILE_REGION_MAX_PIXELS", default=4096 * 4096)
# nginx fast path (platform/nginx): signed tile URLs and the directory nginx serves them from.
# Empty secret: pages get plain DZI URLs and every tile goes through Django.
RCM_TILE_URL_SECRET = env.str("RCM_TILE_URL_SECRET", default="")
RCM_TILE_URL_TTL = env.int("RCM_TILE_URL_TTL", default=15 * 60)
RCM_TILE_DISK_CACHE_DIR = env.str("RCM_TILE_DISK_CACHE_DIR", default="")

# INGEST (issue 3, mosaic ingest: annotations/ingest)
# Lossless compression of the pyramids: none | packbits | lzw | deflate[:LEVEL[:horizontal]].
# "none" is the fastest (benchmarks/README.md); "deflate:6:horizontal" saves ~17 % disk for 3-10x the CPU.
RCM_PYRAMID_COMPRESSION = env.str("RCM_PYRAMID_COMPRESSION", default="none")
