#!/usr/bin/env bash
# Load test: gunicorn with 2 workers on 127.0.0.1 only, wrk against a page for a bounded time,
# then the same again while imports write to the same database.
#
#   bench/load.sh                                  # the 100,000-event database bench/run.py makes
#   PARLEY_SQLITE_PATH=/tmp/parley_1m.sqlite3 bench/load.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley_bench bench/load.sh
#   URL_PATH='/?zoom=day&at=2025-06-02' DURATION=30 CONNECTIONS=16 bench/load.sh
#   (a response slower than TIMEOUT, default 30s, counts as an error)
#
# Needs wrk (Debian: apt-get install wrk). Prints requests/s, latency percentiles and errors;
# exits non-zero when any request failed or got a non-2xx answer.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-8765}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-4}
TIMEOUT=${TIMEOUT:-30s}
URL_PATH=${URL_PATH:-/}
WORKERS=${WORKERS:-2}
PY=.venv/bin/python

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')}
export DJANGO_SECURE_SSL_REDIRECT=0          # plain HTTP on the loopback; production sits behind TLS
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export PARLEY_ANONYMOUS_READ=1
if [ -z "${DATABASE_URL:-}" ]; then
  export PARLEY_SQLITE_PATH=${PARLEY_SQLITE_PATH:-/tmp/parley-bench-100000.sqlite3}
  [ -f "$PARLEY_SQLITE_PATH" ] || { echo "No database at $PARLEY_SQLITE_PATH: run bench/run.py first" >&2; exit 2; }
  database=$PARLEY_SQLITE_PATH
else
  database=${DATABASE_URL##*@}
fi

work=$(mktemp -d /tmp/parley-load.XXXXXX)
server=""
importer=""
cleanup() {
  [ -n "$importer" ] && kill "$importer" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0

# An import to run during the second round: 300 events among 100 actors the database does not know yet.
source_manage() { env -u DATABASE_URL PARLEY_SQLITE_PATH="$work/source.sqlite3" $PY manage.py "$@"; }
source_manage migrate --noinput -v0
source_manage generate_timeline --events 300 --actors 100 --seed 77 -v0
source_manage export_timeline --output "$work/import.json"

.venv/bin/gunicorn -c python:tracker.gunicorn tracker.wsgi --workers "$WORKERS" --bind "127.0.0.1:$PORT" --access-logfile /dev/null \
  --error-logfile "$work/gunicorn.log" &
server=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT$URL_PATH" || { echo "The page does not answer 200:" >&2; cat "$work/gunicorn.log" >&2; exit 1; }

failures=0
round() {
  local label=$1
  echo
  echo "== $label: wrk -t2 -c$CONNECTIONS -d${DURATION}s http://127.0.0.1:$PORT$URL_PATH ($WORKERS gunicorn workers, $database)"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout "$TIMEOUT" --latency "http://127.0.0.1:$PORT$URL_PATH" | tee "$work/wrk.txt"
  if grep -qE "Non-2xx|Socket errors" "$work/wrk.txt"; then
    failures=$((failures + 1))
  fi
}

round "reading"

imports=0
(
  while true; do
    $PY manage.py import_timeline "$work/import.json" -v0 >/dev/null
    echo x >> "$work/imports"
  done
) &
importer=$!
sleep 1
round "reading while import_timeline runs in a loop"
kill "$importer" 2>/dev/null || true
wait "$importer" 2>/dev/null || true
importer=""
imports=$(wc -l < "$work/imports" 2>/dev/null || echo 0)
echo "Imports completed during the second round: $imports"

if [ "$failures" -ne 0 ]; then
  echo "FAILED: some requests failed or were not 2xx" >&2
  exit 1
fi
echo "No errors."
