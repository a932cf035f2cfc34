#!/usr/bin/env bash
# Set up a fresh machine for planflow: the virtual environment, and with --test the Debian packages
# and services the test suite talks to (Dovecot, Chromium, LibreOffice, PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

export DEBIAN_FRONTEND=noninteractive
if [ "$want_test" = 1 ]; then
  missing=()
  { command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ]; } || missing+=(dovecot-imapd)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v soffice >/dev/null || missing+=(libreoffice-writer-nogui)
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || missing+=(fonts-dejavu-core)  # Vietnamese glyphs for test PDFs
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "bootstrap: install as root: apt-get install -y ${missing[*]}" >&2; exit 1
    fi
    echo "bootstrap: installing ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    echo "bootstrap: starting PostgreSQL"
    versions=(/etc/postgresql/*)
    pg_ctlcluster --skip-systemctl-redirect "$(basename "${versions[0]}")" main start || true
    for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PY" -m venv .venv
fi
# Reproducible installs: exact versions with their hashes from the lock files (`make lock` refreshes
# them from pyproject.toml), then planflow itself without dependencies. The test lock holds the
# runtime pins unchanged (it is compiled against requirements/runtime.txt) plus the test tools.
locks=(requirements/runtime.txt)
stamp=".venv/.planflow-installed"
if [ "$want_test" = 1 ]; then
  locks+=(requirements/test.txt)
  stamp="$stamp-test"
fi
stale=0
[ -f "$stamp" ] || stale=1
for input in pyproject.toml "${locks[@]}"; do
  if [ "$input" -nt "$stamp" ]; then stale=1; fi
done
if [ "$stale" = 1 ]; then
  echo "bootstrap: installing ${locks[*]} and planflow into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  lock_args=()
  for lock in "${locks[@]}"; do lock_args+=(-r "$lock"); done
  .venv/bin/python -m pip install -q --require-hashes "${lock_args[@]}"
  .venv/bin/python -m pip install -q --no-deps -e .
  # A dependency added to pyproject.toml but not to the locks shows here rather than at import time.
  if ! .venv/bin/python -m pip check >/dev/null; then
    .venv/bin/python -m pip check >&2 || true
    echo "bootstrap: the lock files do not cover pyproject.toml: run 'make lock'" >&2
    exit 1
  fi
  touch "$stamp"
fi
