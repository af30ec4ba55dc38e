"""API routes of the tiles area (included under /api/).

DZI naming: OpenSeadragon derives tile URLs from the descriptor's URL by replacing
``.dzi`` with ``_files/``, hence ``dzi.dzi`` next to ``dzi_files/``.
"""

from django.urls import URLPattern, URLResolver, path

from . import tiles

urlpatterns: list[URLPattern | URLResolver] = [
    path("mosaics/<int:mosaic_id>/dzi.dzi", tiles.dzi_descriptor, name="mosaic-dzi"),
    path(
        "mosaics/<int:mosaic_id>/dzi_files/<int:level>/<int:col>_<int:row>.<str:fmt>",
        tiles.dzi_tile,
        name="mosaic-dzi-tile",
    ),
    path("mosaics/<int:mosaic_id>/thumbnail", tiles.thumbnail, name="mosaic-thumbnail"),
    path("mosaics/<int:mosaic_id>/region", tiles.region, name="mosaic-region"),
]
