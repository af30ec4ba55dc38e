"""Tile grants end when access ends: receivers that revoke grant records.

What decides access to a mosaic's tiles lives in several rows: the user (active,
superuser, password), memberships and roles, reads, the mosaic (its case and
status), the case (its project and center), and the credential (session, token).
Model signals are the one place every writer of those rows passes through — the
services, the admin, management commands and the cascades of a deletion — so a
revocation here cannot be forgotten by one of them. (Bulk ``QuerySet.update`` sends
no signal; no code path uses it for these fields, and ``RCM_TILE_ACCESS_TTL`` and
the records' expiry bound it anyway.)

Each revocation runs at once and again after the transaction commits: at once so
that this process's next tile re-decides, after the commit so that a decision that
read the old rows in between loses the record it wrote (see ``grant_records``).
Revoking more than needed is harmless: the next tile is decided again (one query).
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from annotations.models import Case, Membership, Mosaic, MosaicStatus, Read
from annotations.storage import remove_rendered_tiles

from . import grant_records
from .grants import Credential, forget_credential

# What each model's access-relevant fields were when the instance was loaded or last saved.
_ORIGIN = "_tile_access_origin"
_WATCHED: dict[type, tuple[str, ...]] = {
    Read: ("reader_id", "mosaic_id"),
    Mosaic: ("case_id", "status"),
    Case: ("project_id", "center_id"),
}


def _now_and_after_commit(action: Callable[[], None]) -> None:
    action()
    transaction.on_commit(action)


def _remember_origin(sender: type, instance: Any, **kwargs: Any) -> None:
    names = _WATCHED[sender]
    if instance.get_deferred_fields().isdisjoint(names):  # reading a deferred field would query
        setattr(instance, _ORIGIN, tuple(getattr(instance, name) for name in names))


def _origin_changed(sender: type, instance: Any, created: bool) -> tuple[Any, ...] | None:
    """The watched values before this save, if the save changed them (None otherwise)."""
    before = getattr(instance, _ORIGIN, None)
    _remember_origin(sender, instance)
    if created or before is None or before == getattr(instance, _ORIGIN):
        return None
    return before


def _read_saved(sender: type, instance: Read, created: bool, **kwargs: Any) -> None:
    before = _origin_changed(sender, instance, created)
    if before is not None:  # reassigned to another reader or mosaic (the admin can)
        _now_and_after_commit(partial(grant_records.revoke_user_mosaic, before[0], before[1]))


def _read_deleted(sender: type, instance: Read, **kwargs: Any) -> None:
    _now_and_after_commit(partial(grant_records.revoke_user_mosaic, instance.reader_id, instance.mosaic_id))


def _mosaic_saved(sender: type, instance: Mosaic, created: bool, **kwargs: Any) -> None:
    before = _origin_changed(sender, instance, created)
    if before is not None and (before[0] != instance.case_id or instance.status != MosaicStatus.READY):
        _revoke_mosaic(instance.pk, rendered_tiles_too=instance.status != MosaicStatus.READY)


def _mosaic_deleted(sender: type, instance: Mosaic, **kwargs: Any) -> None:
    _revoke_mosaic(instance.pk, rendered_tiles_too=True)


def _revoke_mosaic(mosaic_id: int, *, rendered_tiles_too: bool) -> None:
    _now_and_after_commit(partial(grant_records.revoke_mosaic, mosaic_id))
    if rendered_tiles_too:  # deleted or re-ingested: tiles rendered from the old pyramid go
        transaction.on_commit(partial(remove_rendered_tiles, mosaic_id))


def _case_saved(sender: type, instance: Case, created: bool, **kwargs: Any) -> None:
    if _origin_changed(sender, instance, created) is not None:  # moved to another project or center
        for mosaic_id in Mosaic.objects.filter(case=instance).values_list("pk", flat=True):
            _revoke_mosaic(mosaic_id, rendered_tiles_too=False)


def _membership_changed(sender: type, instance: Membership, **kwargs: Any) -> None:
    _now_and_after_commit(partial(grant_records.revoke_user, instance.user_id))


def _user_saved(sender: type, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if not created and not (update_fields and set(update_fields) <= {"last_login"}):
        _now_and_after_commit(partial(grant_records.revoke_user, instance.pk))


def _user_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    _now_and_after_commit(partial(grant_records.revoke_user, instance.pk))


def _token_deleted(sender: type, instance: Token, **kwargs: Any) -> None:
    credential = Credential("token", instance.key)
    forget_credential(credential)
    _now_and_after_commit(partial(grant_records.revoke_credential, instance.user_id, credential.tag))


def _logged_out(sender: type, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    session_key = getattr(request, "session", None) and request.session.session_key
    if user is None or not session_key:
        return
    credential = Credential("session", session_key)
    forget_credential(credential)
    grant_records.revoke_credential(user.pk, credential.tag)


def connect() -> None:
    """Called once from ``AnnotationsConfig.ready``."""
    for model in _WATCHED:
        post_init.connect(_remember_origin, sender=model, dispatch_uid=f"tiles-origin-{model.__name__}")
    post_save.connect(_read_saved, sender=Read, dispatch_uid="tiles-read-saved")
    post_delete.connect(_read_deleted, sender=Read, dispatch_uid="tiles-read-deleted")
    post_save.connect(_mosaic_saved, sender=Mosaic, dispatch_uid="tiles-mosaic-saved")
    post_delete.connect(_mosaic_deleted, sender=Mosaic, dispatch_uid="tiles-mosaic-deleted")
    post_save.connect(_case_saved, sender=Case, dispatch_uid="tiles-case-saved")
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="tiles-membership-saved")
    post_delete.connect(_membership_changed, sender=Membership, dispatch_uid="tiles-membership-deleted")
    user_model = get_user_model()
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="tiles-user-saved")
    post_delete.connect(_user_deleted, sender=user_model, dispatch_uid="tiles-user-deleted")
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="tiles-token-deleted")
    user_logged_out.connect(_logged_out, dispatch_uid="tiles-logged-out")
