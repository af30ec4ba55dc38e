"""django-large-image's detail viewset over the benchmark's pyramids: /api/images/{pk}/tiles/{z}/{x}/{y}.jpeg"""

from pathlib import Path
from typing import Any

import large_image
from django.conf import settings
from django_large_image.rest import LargeImageDetailMixin
from rest_framework import routers, viewsets
from rest_framework.request import Request


class ImageViewSet(viewsets.ViewSet, LargeImageDetailMixin):
    def get_path(self, request: Request, pk: int | None = None) -> str:
        # The peer's own settings (tiles_peer.settings), not the platform's that mypy checks against.
        return str(Path(settings.TILES_PEER_DIR) / f"{int(pk or 0)}.tiff")  # type: ignore[misc]

    def open_tile_source(self, request: Request, path: str | Path, **kwargs: Any) -> Any:
        # The hook django-large-image documents for opening options ("Override to open with a specific
        # large-image source"): as its own get_tilesource_from_path, plus JPEG at the platform's quality
        # (large_image's default is 95).
        kwargs["encoding"] = kwargs.get("encoding") or "PNG"
        return large_image.open(str(path), jpegQuality=settings.TILES_PEER_JPEG_QUALITY, **kwargs)  # type: ignore[misc]


router = routers.SimpleRouter(trailing_slash=False)
router.register("api/images", ImageViewSet, basename="image")
urlpatterns = router.urls
