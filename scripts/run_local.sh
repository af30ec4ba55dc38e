#!/usr/bin/env bash
# `make run`: the web server, one Celery worker and Celery beat together on the
# embedded defaults (SQLite, filesystem broker). Ctrl-C stops all three.
set -euo pipefail
export DJANGO_SETTINGS_MODULE=config.settings.local
PY=.venv/bin/python

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped."
}
trap stop INT TERM EXIT

.venv/bin/celery -A config worker -Q cpu,gpu --concurrency 1 --loglevel WARNING &
pids+=($!)
.venv/bin/celery -A config beat --loglevel WARNING --pidfile= -s var/celery/beat-schedule &
pids+=($!)
$PY manage.py runserver 127.0.0.1:8000 --noreload &
pids+=($!)
sleep 2
echo
echo "The RCM platform runs at http://127.0.0.1:8000  (Ctrl-C stops it)"
[ -f var/demo-logins.txt ] && cat var/demo-logins.txt
echo
wait -n "${pids[@]}"
