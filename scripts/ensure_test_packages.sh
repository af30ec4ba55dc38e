#!/usr/bin/env bash
# Debian packages the suite drives for real: Chromium for the browser tests (Playwright's own download
# does not work offline) and nginx for the production front's tests (signed tile URLs, grants, the
# pre-rendered tiles it serves). Install what is missing when we can (root with apt), else stop at once
# with the one command to run.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's ${missing[*]} for the tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "The tests need Debian's ${missing[*]}. Install with:" >&2
echo "    sudo apt-get install -y ${missing[*]}" >&2
exit 1
