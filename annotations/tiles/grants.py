"""Cached tile-access decisions: one database query per credential and mosaic, not per tile.

A viewer asks for hundreds of tiles a minute. The first request of a credential
(session cookie or ``Authorization`` header) for a mosaic authenticates it and asks
``selectors.access.mosaics_visible_to``; the decision and the open pyramid are then
kept in this process for ``RCM_TILE_ACCESS_TTL`` seconds (refusals for
``RCM_TILE_ACCESS_DENY_TTL``). Consequence, by design: removing a membership or a
read, or logging out, stops tile access within that TTL (default 60 s), not
instantly. Credentials are hashed before they are used as keys. Mosaics that are
not ready are never cached, so they serve as soon as ingest finishes.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from annotations.models import MosaicStatus
from annotations.selectors.access import AnyUser, mosaics_visible_to

from .dzi import DziGrid
from .source import MosaicSource, PyramidMissing, open_mosaic

_MAX_GRANTS = 20_000


class TileAccessError(Exception):
    """Why a tile request is refused: ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class TileGrant:
    mosaic_id: int
    source: MosaicSource
    grid: DziGrid
    um_per_px: float


_lock = threading.Lock()
# (credential hash, mosaic id) -> (expires at, grant or None for "not visible")
_grants: "OrderedDict[tuple[str, int], tuple[float, TileGrant | None]]" = OrderedDict()


def credential_key(request: HttpRequest) -> str | None:
    """A hash of what authenticates the request, or None for an anonymous one."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        return "h:" + hashlib.blake2b(header.encode(), digest_size=16).hexdigest()
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if cookie:
        return "s:" + hashlib.blake2b(cookie.encode(), digest_size=16).hexdigest()
    return None


def _authenticate(request: HttpRequest) -> AnyUser:
    """Token (as DRF does) or the session (Django's middleware), like the rest of the API."""
    if request.META.get("HTTP_AUTHORIZATION"):
        try:
            result = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]  # reads only META, as HttpRequest has
        except AuthenticationFailed as error:
            raise TileAccessError(401, str(error.detail)) from error
        if result is not None:
            return result[0]
    return getattr(request, "user", AnonymousUser())


def _remember(key: tuple[str, int], grant: TileGrant | None, ttl: float) -> None:
    with _lock:
        _grants[key] = (time.monotonic() + ttl, grant)
        _grants.move_to_end(key)
        while len(_grants) > _MAX_GRANTS:
            _grants.popitem(last=False)


def grant_tiles(request: HttpRequest, mosaic_id: int) -> TileGrant:
    """The caller's grant for ``mosaic_id``; raises TileAccessError (404 invisible, 409 not ready)."""
    credential = credential_key(request)
    if credential is None:
        raise TileAccessError(404, "Not found.")
    key = (credential, mosaic_id)
    cached = _grants.get(key)
    if cached is not None and cached[0] > time.monotonic():
        if cached[1] is None:
            raise TileAccessError(404, "Not found.")
        return cached[1]

    user = _authenticate(request)
    mosaic = mosaics_visible_to(user=user).filter(pk=mosaic_id).first() if user.is_authenticated else None
    if mosaic is None:
        _remember(key, None, settings.RCM_TILE_ACCESS_DENY_TTL)
        raise TileAccessError(404, "Not found.")
    if mosaic.status != MosaicStatus.READY:
        reason = f": {mosaic.failure_reason}" if mosaic.failure_reason else ""
        raise TileAccessError(409, f"Mosaic is not ready (status {mosaic.status}{reason}).")
    try:
        source = open_mosaic(mosaic)
    except PyramidMissing as error:
        raise TileAccessError(409, f"Mosaic has no readable pyramid ({error}).") from error
    grant = TileGrant(mosaic.pk, source, DziGrid(source.width, source.height), mosaic.um_per_px or 0.0)
    _remember(key, grant, settings.RCM_TILE_ACCESS_TTL)
    return grant


def forget_grants() -> None:
    """Drop every cached decision (tests; an admin action could call it after revoking)."""
    with _lock:
        _grants.clear()
