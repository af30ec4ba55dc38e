#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and media folder.
#
#   DATABASE_URL=postgres://…/new_db RCM_MEDIA_ROOT=/data/media scripts/restore.sh BACKUP_DIR
#
# Refuses a database that already has tables or a media folder that already has files:
# a restore never mixes with live data. Afterwards run `manage.py migrate` (applies
# only migrations newer than the backup) and start the platform. See docs/operations.md.
set -euo pipefail

backup=${1:?usage: scripts/restore.sh BACKUP_DIR}
: "${DATABASE_URL:?set DATABASE_URL to the (empty) database to restore into}"
: "${RCM_MEDIA_ROOT:?set RCM_MEDIA_ROOT to the (empty) media folder to restore into}"
[ -f "$backup/database.dump" ] && [ -d "$backup/media" ] || { echo "$backup is not a backup (database.dump, media/)" >&2; exit 1; }

tables=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
[ "$tables" = "0" ] || { echo "the database has $tables tables: restore only into an empty database" >&2; exit 1; }
mkdir -p "$RCM_MEDIA_ROOT"
[ -z "$(ls -A "$RCM_MEDIA_ROOT")" ] || { echo "$RCM_MEDIA_ROOT is not empty: restore only into an empty folder" >&2; exit 1; }

echo "restoring the database" >&2
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$DATABASE_URL" "$backup/database.dump"
echo "restoring the media volume" >&2
tar -C "$backup/media" -cf - . | tar -C "$RCM_MEDIA_ROOT" -xf -
echo "restored $backup"
