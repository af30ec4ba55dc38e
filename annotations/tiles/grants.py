"""Tile-access decisions: one database query per credential and mosaic, not per tile.

A viewer asks for hundreds of tiles a minute. The first request of a credential for
a mosaic authenticates it the way the API does (DRF's order: the session, then an
``Authorization: Token`` header, refused once expired; any other header authenticates nothing) and asks
``selectors.access.mosaics_visible_to``. The decision is kept in this process under
the credential that actually authenticated (an HMAC of it: a shared header such as
a site-wide Basic gate never selects anyone's decision) and under its grant record
on disk (``grant_records``): a cached decision counts only while its record exists,
so logout, loss of access and deletion end it at once in every process (one
``lstat`` per tile, no network). ``RCM_TILE_ACCESS_TTL`` (60 s) bounds a decision
whose revocation no signal announced (a bulk ``QuerySet.update``); refusals are
kept ``RCM_TILE_ACCESS_DENY_TTL`` seconds. Mosaics that are not ready are never
cached, so they serve as soon as ingest finishes.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from annotations.models import MosaicStatus
from annotations.selectors.access import AnyUser, mosaics_visible_to
from users.authentication import ExpiringTokenAuthentication, token_expires_at

from . import grant_records
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
class Credential:
    kind: str  # "session" or "token"
    secret: str  # the session key or the token key

    @cached_property
    def tag(self) -> str:
        return grant_records.credential_tag(self.kind, self.secret)


@dataclass(frozen=True)
class TileGrant:
    mosaic_id: int
    user_id: int
    credential: Credential
    record: Path
    source: MosaicSource
    grid: DziGrid
    um_per_px: float
    # Wall-clock end of the credential (a token's lifetime); a cached decision ends with it.
    valid_until: float | None = None


_lock = threading.Lock()
# (credential tag, mosaic id) -> (expires at, grant)
_grants: "OrderedDict[tuple[str, int], tuple[float, TileGrant]]" = OrderedDict()
# (credential tags present in the request, mosaic id) -> expires at
_refusals: "OrderedDict[tuple[tuple[str, ...], int], float]" = OrderedDict()


def presented_credentials(request: HttpRequest) -> list[Credential]:
    """What may authenticate the request, in DRF's order: the session cookie, then a Token header."""
    credentials = []
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if cookie:
        credentials.append(Credential("session", cookie))
    header = get_authorization_header(request).split()  # type: ignore[arg-type]  # reads only META
    if header and header[0].lower() == TokenAuthentication.keyword.lower().encode():
        credentials.append(Credential("token", b" ".join(header[1:]).decode(errors="replace")))
    return credentials


def _authenticate(request: HttpRequest, presented: list[Credential]) -> tuple[AnyUser, Credential | None, float | None]:
    """The user, the credential that authenticated it (the session, else the token; 401 if bad), its end."""
    user = getattr(request, "user", AnonymousUser())
    session = next((c for c in presented if c.kind == "session"), None)
    if session is not None and user.is_authenticated and user.is_active:
        return user, session, None
    if any(c.kind == "token" for c in presented):
        try:
            result = ExpiringTokenAuthentication().authenticate(request)  # type: ignore[arg-type]  # reads only META
        except AuthenticationFailed as error:
            raise TileAccessError(401, str(error.detail)) from error
        if result is not None:
            token_user, token = result
            return token_user, Credential("token", token.key), token_expires_at(token).timestamp()
    return AnonymousUser(), None, None


def _remember(key: tuple[str, int], grant: TileGrant) -> None:
    with _lock:
        _grants[key] = (time.monotonic() + settings.RCM_TILE_ACCESS_TTL, grant)
        _grants.move_to_end(key)
        while len(_grants) > _MAX_GRANTS:
            _grants.popitem(last=False)


def _refuse(key: tuple[tuple[str, ...], int]) -> TileAccessError:
    with _lock:
        _refusals[key] = time.monotonic() + settings.RCM_TILE_ACCESS_DENY_TTL
        while len(_refusals) > _MAX_GRANTS:
            _refusals.popitem(last=False)
    return TileAccessError(404, "Not found.")


def _cached(tags: list[str], mosaic_id: int) -> TileGrant | None:
    now = time.monotonic()
    for tag in tags:
        cached = _grants.get((tag, mosaic_id))
        if cached is None or cached[0] <= now or not grant_records.record_exists(cached[1].record):
            continue
        valid_until = cached[1].valid_until
        if valid_until is not None and valid_until <= time.time():
            continue  # the token expired: decide again (ExpiringTokenAuthentication answers 401)
        return cached[1]
    return None


def grant_tiles(request: HttpRequest, mosaic_id: int) -> TileGrant:
    """The caller's grant for ``mosaic_id``; raises TileAccessError (404 invisible, 409 not ready, 401 bad token)."""
    presented = presented_credentials(request)
    if not presented:
        raise TileAccessError(404, "Not found.")
    tags = [credential.tag for credential in presented]
    grant = _cached(tags, mosaic_id)
    if grant is not None:
        return grant
    refusal_key = (tuple(tags), mosaic_id)
    refused_until = _refusals.get(refusal_key)
    if refused_until is not None and refused_until > time.monotonic():
        raise TileAccessError(404, "Not found.")
    return _decide(request, presented, mosaic_id, refusal_key)


def _decide(
    request: HttpRequest, presented: list[Credential], mosaic_id: int, refusal_key: tuple[tuple[str, ...], int]
) -> TileGrant:
    user, credential, valid_until = _authenticate(request, presented)
    if credential is None or user.pk is None:
        raise _refuse(refusal_key)
    # The record first, then the query: a revocation committed meanwhile either shows in the
    # query or removes this record after its commit (grant_records).
    target = grant_records.served_tiles_dir(mosaic_id, user.pk)
    record = grant_records.record_create(user.pk, credential.tag, mosaic_id, target=target)
    if record is None:
        raise _refuse(refusal_key)  # the credential was logged out or deleted meanwhile
    mosaic = mosaics_visible_to(user=user).filter(pk=mosaic_id).first()
    if mosaic is None:
        grant_records.record_remove(record)
        raise _refuse(refusal_key)
    if mosaic.status != MosaicStatus.READY:
        grant_records.record_remove(record)
        reason = f": {mosaic.failure_reason}" if mosaic.failure_reason else ""
        raise TileAccessError(409, f"Mosaic is not ready (status {mosaic.status}{reason}).")
    try:
        source = open_mosaic(mosaic)
    except PyramidMissing as error:
        grant_records.record_remove(record)
        raise TileAccessError(409, f"Mosaic has no readable pyramid ({error}).") from error
    grid = DziGrid(source.width, source.height)
    grant = TileGrant(mosaic.pk, user.pk, credential, record, source, grid, mosaic.um_per_px or 0.0, valid_until)
    _remember((credential.tag, mosaic_id), grant)
    return grant


def forget_credential(credential: Credential) -> None:
    """Drop this process's decisions for a credential (logout; other processes see the record go)."""
    tag = credential.tag
    with _lock:
        for key in [key for key in _grants if key[0] == tag]:
            del _grants[key]


def forget_grants() -> None:
    """Drop every decision cached in this process (tests)."""
    with _lock:
        _grants.clear()
        _refusals.clear()
