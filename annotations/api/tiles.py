"""Deep-zoom endpoints: DZI descriptor, tiles, thumbnail and regions of a mosaic.

Plain Django views rather than DRF: a tile is requested hundreds of times a minute
and DRF's request wrapping, negotiation and throttling cost more than serving a
tile. Authentication stays the API's (session or ``Token``), decided once per
credential and mosaic by ``annotations.tiles.grants`` (so tile 2..N make no
database query). Invisible mosaics answer 404, mosaics that are not ready 409,
malformed parameters 400 naming the field. Tiles carry an ETag (mosaic, pyramid
version, tile) and ``Cache-Control: private``; a matching ``If-None-Match`` gets
304. Responses say nothing about caches (no hit/miss, no age): whether a tile was
rendered before is nobody's business.

For a logged-in page, the descriptor names a session-bound tiles URL
(``annotations.tiles.signing``) that nginx serves as files; the same URLs reach
``dzi_tile`` here whenever nginx does not serve them, and Django decides as usual.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from annotations.tiles import render
from annotations.tiles.cache import TileMissing, dzi_tile_bytes
from annotations.tiles.grants import TileAccessError, TileGrant, grant_tiles
from annotations.tiles.signing import granted_tiles_url
from audit.services import audit_mosaic_opened
from users.models import User

TileView = Callable[..., HttpResponse]
THUMBNAIL_MAX = 1024


class BadParameter(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def tile_endpoint(view: Callable[..., HttpResponse]) -> TileView:
    """GET/HEAD only; resolves the caller's grant and turns refusals into JSON 4xx."""

    @require_safe
    @wraps(view)
    def wrapper(request: HttpRequest, mosaic_id: int, **kwargs: Any) -> HttpResponse:
        try:
            grant = grant_tiles(request, mosaic_id)
            return view(request, grant, **kwargs)
        except TileAccessError as error:
            return JsonResponse({"detail": error.detail}, status=error.status)
        except BadParameter as error:
            return JsonResponse({error.field: [error.message]}, status=400)
        except TileMissing:  # the mosaic's files went between the access check and the read
            return JsonResponse({"detail": "Not found."}, status=404)

    return wrapper


def _cache_headers(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    # private: tiles are per-user decisions; shared caches must not keep them. The same
    # Vary on every answer (not only when the session was read): a header that differs
    # between a first and a repeated request would tell what was asked before.
    response["Cache-Control"] = f"private, max-age={settings.RCM_TILE_BROWSER_MAX_AGE}"
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response


def _not_modified(request: HttpRequest, etag: str) -> bool:
    candidates = request.META.get("HTTP_IF_NONE_MATCH", "")
    return etag in (tag.strip() for tag in candidates.split(",")) or candidates.strip() == "*"


def _respond(request: HttpRequest, etag: str, content_type: str, body: Callable[[], bytes]) -> HttpResponse:
    if _not_modified(request, etag):
        return _cache_headers(HttpResponse(status=304), etag)
    return _cache_headers(HttpResponse(body(), content_type=content_type), etag)


@tile_endpoint
def dzi_descriptor(request: HttpRequest, grant: TileGrant) -> HttpResponse:
    viewer = request.user if request.user.pk == grant.user_id else User.objects.only("username").get(pk=grant.user_id)
    audit_mosaic_opened(mosaic_id=grant.mosaic_id, by=viewer, via="dzi")
    if settings.RCM_TILE_URL_SECRET and grant.credential.kind == "session":
        # A fresh, session-bound tiles URL for nginx: never cached, never shared.
        tiles_url = granted_tiles_url(
            mosaic_id=grant.mosaic_id, user_id=grant.user_id, tag=grant.credential.tag,
            session_key=grant.credential.secret,
        )  # fmt: skip
        response = HttpResponse(grant.grid.descriptor("jpeg", tiles_url).encode(), content_type="application/xml")
        response["Cache-Control"] = "private, no-store"
        return response
    etag = f'"dzi-{grant.mosaic_id}-{grant.source.version:x}"'
    return _respond(request, etag, "application/xml", lambda: grant.grid.descriptor("jpeg").encode())


@tile_endpoint
def dzi_tile(request: HttpRequest, grant: TileGrant, level: int, col: int, row: int, fmt: str, **_url: Any) -> HttpResponse:
    """A tile; ``_url`` holds the parts of a session-bound tiles URL, which only nginx reads."""
    if fmt not in render.CONTENT_TYPES or not grant.grid.has_tile(level, col, row):
        return JsonResponse({"detail": f"No tile {col}_{row} at level {level}."}, status=404)
    etag = f'"{grant.mosaic_id}-{grant.source.version:x}-{level}-{col}-{row}-{fmt}"'
    return _respond(request, etag, render.CONTENT_TYPES[fmt], lambda: dzi_tile_bytes(grant, level, col, row, fmt))


def _int_param(request: HttpRequest, name: str, *, default: int | None = None, minimum: int = 0) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        if default is None:
            raise BadParameter(name, "This parameter is required.")
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise BadParameter(name, "A whole number is required.") from error
    if value < minimum:
        raise BadParameter(name, f"Must be at least {minimum}.")
    return value


def _format_param(request: HttpRequest, default: str) -> str:
    image_format = request.GET.get("format", default).lower()
    if image_format not in render.CONTENT_TYPES:
        raise BadParameter("format", f"One of {', '.join(render.CONTENT_TYPES)}.")
    return image_format


@tile_endpoint
def thumbnail(request: HttpRequest, grant: TileGrant) -> HttpResponse:
    """The whole mosaic fitted in ``size`` x ``size`` pixels (default 256, at most 1024)."""
    size = _int_param(request, "size", default=256, minimum=1)
    if size > THUMBNAIL_MAX:
        raise BadParameter("size", f"At most {THUMBNAIL_MAX}.")
    image_format = _format_param(request, "png")
    etag = f'"thumb-{grant.mosaic_id}-{grant.source.version:x}-{size}-{image_format}"'
    return _respond(
        request, etag, render.CONTENT_TYPES[image_format],
        lambda: render.encode(grant.source.thumbnail(size=size), image_format),
    )  # fmt: skip


@tile_endpoint
def region(request: HttpRequest, grant: TileGrant) -> HttpResponse:
    """A full-resolution rectangle scaled by ``scale`` (0 < scale <= 1), PNG by default."""
    left = _int_param(request, "left")
    top = _int_param(request, "top")
    width = _int_param(request, "width", minimum=1)
    height = _int_param(request, "height", minimum=1)
    raw_scale = request.GET.get("scale", "1")
    try:
        scale = float(raw_scale)
    except ValueError as error:
        raise BadParameter("scale", "A number is required.") from error
    if not 0 < scale <= 1:
        raise BadParameter("scale", "Must be greater than 0 and at most 1.")
    if left + width > grant.source.width:
        raise BadParameter("width", f"left + width exceeds the mosaic width ({grant.source.width}).")
    if top + height > grant.source.height:
        raise BadParameter("height", f"top + height exceeds the mosaic height ({grant.source.height}).")
    out_width, out_height = render.output_size(width, height, scale)
    if out_width * out_height > settings.RCM_TILE_REGION_MAX_PIXELS:
        raise BadParameter(
            "scale",
            f"The output would be {out_width} x {out_height} pixels; at most "
            f"{settings.RCM_TILE_REGION_MAX_PIXELS} pixels: lower the scale or the size.",
        )
    image_format = _format_param(request, "png")
    etag = f'"region-{grant.mosaic_id}-{grant.source.version:x}-{left}-{top}-{width}-{height}-{scale}-{image_format}"'
    pixels = lambda: render.region_pixels(  # noqa: E731
        grant.source, left=left, top=top, width=width, height=height, scale=scale
    )
    return _respond(request, etag, render.CONTENT_TYPES[image_format], lambda: render.encode(pixels(), image_format))
