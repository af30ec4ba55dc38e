#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer, starting local servers when they are
# installed but stopped. With DATABASE_URL / REDIS_URL set, only checks those.
set -euo pipefail

pg_ready() {
  if [ -n "${DATABASE_URL:-}" ]; then
    .venv/bin/python -c "import os,psycopg; psycopg.connect(os.environ['DATABASE_URL'].replace('postgres://','postgresql://',1), connect_timeout=3).close()" 2>/dev/null
  else
    pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null
  fi
}
redis_ready() {
  .venv/bin/python -c "import os,redis; redis.Redis.from_url(os.environ.get('REDIS_URL','redis://127.0.0.1:6379/0'), socket_timeout=3).ping()" 2>/dev/null
}

if ! pg_ready; then
  if [ -z "${DATABASE_URL:-}" ] && command -v pg_ctlcluster >/dev/null; then
    echo "starting local PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  fi
  pg_ready || { echo "PostgreSQL is not reachable (set DATABASE_URL or install postgresql)" >&2; exit 1; }
fi
if ! redis_ready; then
  if [ -z "${REDIS_URL:-}" ] && command -v redis-server >/dev/null; then
    echo "starting local Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    for _ in $(seq 1 30); do redis_ready && break; sleep 1; done
  fi
  redis_ready || { echo "Redis is not reachable (set REDIS_URL or install redis-server)" >&2; exit 1; }
fi
echo "PostgreSQL and Redis are reachable"
