"""django-large-image's detail viewset over the benchmark's pyramids: /api/images/{pk}/tiles/{z}/{x}/{y}.jpeg"""

from pathlib import Path

from django.conf import settings
from django_large_image.rest import LargeImageDetailMixin
from rest_framework import routers, viewsets
from rest_framework.request import Request


class ImageViewSet(viewsets.ViewSet, LargeImageDetailMixin):
    def get_path(self, request: Request, pk: int | None = None) -> str:
        return str(Path(settings.TILES_PEER_DIR) / f"{int(pk or 0)}.tiff")


router = routers.SimpleRouter(trailing_slash=False)
router.register("api/images", ImageViewSet, basename="image")
urlpatterns = router.urls
