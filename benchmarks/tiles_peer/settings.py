"""Settings of the django-large-image peer (benchmark only; no database is used).

Configured as its users would run it for the benchmark's working set, through the
knobs django-large-image and large_image document (benchmarks/README.md, "Tiles",
fairness):

- its tile cache is Django's ``default`` cache (local memory: 300 entries unless told
  otherwise), sized here for the warm set with room to spare;
- every benchmarked image stays open: large_image sizes its cache of open images
  when it is imported, from the environment (``LARGE_IMAGE_CACHE_TILESOURCE_*``, set
  by the benchmark script; the ``LARGE_IMAGE_*`` Django settings come too late);
- the tile endpoint encodes JPEG at the platform's quality (urls.py; large_image's
  default is 95).
"""

import os

SECRET_KEY = "benchmark-peer-only"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "django_large_image"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "tiles_peer.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}
USE_TZ = True
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("TILES_PEER_CACHE_TILES", "8000"))},
        "TIMEOUT": None,
    }
}
# Pyramid copies, one per "image id": <dir>/<id>.tiff
TILES_PEER_DIR = os.environ["TILES_PEER_DIR"]
TILES_PEER_JPEG_QUALITY = int(os.environ.get("TILES_PEER_JPEG_QUALITY", "90"))
