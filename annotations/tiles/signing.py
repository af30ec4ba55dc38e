"""Tile URLs for the nginx fast path, bound to one session and one grant record.

The DZI descriptor that Django serves to a logged-in page names its tiles' base URL
(the DZI ``Url`` attribute, which OpenSeadragon uses instead of deriving one):

    /api/mosaics/<id>/tiles/<user id>/<credential tag>/<expires>/<sig>/<level>/<col>_<row>.jpeg

nginx (platform/nginx/nginx.conf) serves such a tile as a file when

1. ``secure_link_md5 "<expires>:<id>:<user id>:<tag>:$cookie_sessionid <secret>"``
   matches ``sig`` and ``expires`` has not passed: the signature covers the session
   cookie the request carries, so the URL is worth nothing without that session;
2. the grant record ``<grant dir>/<user id>/<tag>/<id>`` exists (``grant_records``):
   logout, loss of access and deletion remove it, which ends the URL at once.

Anything else goes to Django, which authenticates and decides as for any tile: a
URL that fails here is slower, never an error and never a leak. ``sig`` is
base64url(md5(...)) without padding, the form nginx compares. Expiry is short
(``RCM_TILE_URL_TTL``, 10 min by default) and rounded up to a minute so that the
descriptor, fetched again within that minute, names the same URLs (browser cache).
"""

import base64
import hashlib
import time

from django.conf import settings

_BUCKET_S = 60


def tile_signature(*, mosaic_id: int, user_id: int, tag: str, expires: int, session_key: str, secret: str) -> str:
    text = f"{expires}:{mosaic_id}:{user_id}:{tag}:{session_key} {secret}"
    digest = hashlib.md5(text.encode(), usedforsecurity=False).digest()  # nginx secure_link_md5 speaks MD5
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def granted_tiles_url(*, mosaic_id: int, user_id: int, tag: str, session_key: str, now: float | None = None) -> str:
    """The tiles' base URL for a DZI descriptor (ends with '/'), signed for ``session_key``."""
    now = time.time() if now is None else now
    expires = int((now + settings.RCM_TILE_URL_TTL) // _BUCKET_S + 1) * _BUCKET_S
    signature = tile_signature(
        mosaic_id=mosaic_id, user_id=user_id, tag=tag, expires=expires, session_key=session_key,
        secret=settings.RCM_TILE_URL_SECRET,
    )  # fmt: skip
    return f"/api/mosaics/{mosaic_id}/tiles/{user_id}/{tag}/{expires}/{signature}/"


def dzi_url(*, mosaic_id: int, version: int | None = None) -> str:
    """The DZI URL a page hands to OpenSeadragon: plain, since the descriptor itself names the
    session-bound tiles URL. (``version`` is what the pages pass; the descriptor's ETag carries it.)"""
    return f"/api/mosaics/{mosaic_id}/dzi.dzi"
