"""Signed DZI URLs for the nginx fast path (``platform/nginx``).

Django decides who may see a mosaic; nginx then serves that mosaic's cached tiles
without asking Django when the tile URL carries a valid signature, checked by
nginx's ``secure_link`` module::

    secure_link      $arg_sig,$arg_exp;
    secure_link_md5  "$secure_link_expires:$mosaic_id:$arg_v $tile_secret";

``sig`` is base64url(md5("<exp>:<mosaic id>:<pyramid version> <secret>")) without
padding, the form nginx compares. OpenSeadragon copies the DZI URL's query string
onto every tile URL, so signing the DZI URL signs its tiles. A signature is a
bearer capability for one mosaic version until ``exp``: expiry is rounded up to a
bucket so page loads share URLs (browser cache hits), and an expired or absent
signature falls back to Django's permission-checked view, never to an error.
"""

import base64
import hashlib
import time
from urllib.parse import urlencode

from django.conf import settings

_BUCKET_S = 300


def tile_signature(*, mosaic_id: int, version: int, expires: int, secret: str) -> str:
    text = f"{expires}:{mosaic_id}:{version} {secret}"
    digest = hashlib.md5(text.encode(), usedforsecurity=False).digest()  # nginx secure_link_md5 speaks MD5
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def dzi_url(*, mosaic_id: int, version: int, now: float | None = None) -> str:
    """The DZI URL for a page: signed when ``RCM_TILE_URL_SECRET`` is set, plain otherwise."""
    url = f"/api/mosaics/{mosaic_id}/dzi.dzi"
    secret = settings.RCM_TILE_URL_SECRET
    if not secret:
        return url
    now = time.time() if now is None else now
    expires = int((now + settings.RCM_TILE_URL_TTL) // _BUCKET_S + 1) * _BUCKET_S
    signature = tile_signature(mosaic_id=mosaic_id, version=version, expires=expires, secret=secret)
    return f"{url}?{urlencode({'v': version, 'exp': expires, 'sig': signature})}"
