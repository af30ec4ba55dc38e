#!/usr/bin/env bash
# Back up the platform: the database (pg_dump, custom format), then the media volume.
#
#   DATABASE_URL=postgres://… RCM_MEDIA_ROOT=/data/media scripts/backup.sh DEST_DIR
#
# Writes DEST_DIR/rcm-<UTC time>/{database.dump,media/,MANIFEST} and prints that folder
# on its last line. The database goes first: pg_dump reads one consistent snapshot, and
# the platform writes a file (atomically) before any row names it, so every file the
# dump refers to is already on disk when the copy starts; files added later are extra,
# never missing. The rendered-tile cache (rebuilt on demand) and uploads still in
# flight are left out. See docs/operations.md.
set -euo pipefail

dest=${1:?usage: scripts/backup.sh DEST_DIR}
: "${DATABASE_URL:?set DATABASE_URL to the platform database}"
: "${RCM_MEDIA_ROOT:?set RCM_MEDIA_ROOT to the media volume}"
[ -d "$RCM_MEDIA_ROOT" ] || { echo "RCM_MEDIA_ROOT $RCM_MEDIA_ROOT is not a folder" >&2; exit 1; }

target="$dest/rcm-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$target/media"
echo "backing up the database" >&2
pg_dump --format=custom --no-owner --no-privileges --file "$target/database.dump" "$DATABASE_URL"
echo "backing up the media volume" >&2
tar -C "$RCM_MEDIA_ROOT" --exclude=./tilecache --exclude=./uploads -cf - . | tar -C "$target/media" -xf -
{
  echo "created $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "database.dump $(stat -c %s "$target/database.dump") bytes"
  echo "media $(find "$target/media" -type f | wc -l) files, $(du -sb "$target/media" | cut -f1) bytes"
} > "$target/MANIFEST"
cat "$target/MANIFEST" >&2
echo "$target"
