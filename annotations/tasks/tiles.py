"""Periodic upkeep of the tile fast path, scheduled by Celery beat (``CELERY_BEAT_SCHEDULE``)."""

from django.conf import settings

from annotations.tiles.grant_records import records_expire

from .base import django_task

__all__ = ["expire_tile_grants"]


@django_task(name="annotations.expire_tile_grants")
def expire_tile_grants() -> int:
    """Remove grant records older than two signed-URL lifetimes (Django writes them back on the next
    tile if access still holds) and logout tombstones older than a session; returns how many."""
    return records_expire(record_age=2 * settings.RCM_TILE_URL_TTL, tombstone_age=settings.SESSION_COOKIE_AGE)
