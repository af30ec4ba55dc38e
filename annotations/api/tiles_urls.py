"""API routes of the tiles area (included under /api/).

DZI naming: OpenSeadragon derives tile URLs from the descriptor's URL by replacing
``.dzi`` with ``_files/``, hence ``dzi.dzi`` next to ``dzi_files/``, unless the
descriptor names them itself (``tiles/…``, the session-bound URLs of the nginx path).
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
    # The session-bound URLs of the nginx fast path (annotations.tiles.signing), when nginx passes them on.
    path(
        "mosaics/<int:mosaic_id>/tiles/<int:grant_user>/<str:grant_tag>/<int:grant_expires>/<str:grant_signature>/"
        "<int:level>/<int:col>_<int:row>.<str:fmt>",
        tiles.dzi_tile,
        name="mosaic-granted-tile",
    ),
    path("mosaics/<int:mosaic_id>/thumbnail", tiles.thumbnail, name="mosaic-thumbnail"),
    path("mosaics/<int:mosaic_id>/region", tiles.region, name="mosaic-region"),
]
