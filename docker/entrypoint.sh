#!/usr/bin/env bash
# Container start: apply migrations, then serve with gunicorn.
# The same script runs in the image and in the test suite (tests/deploy/).
set -euo pipefail

PYTHON="${PYTHON:-python}"
HOST="${HOST:-0.0.0.0}"
PORT="${PORT:-8000}"

"$PYTHON" manage.py migrate --noinput
exec "$PYTHON" -m gunicorn config.wsgi:application \
    --bind "${HOST}:${PORT}" \
    --workers "${WEB_CONCURRENCY:-2}" \
    --config docker/gunicorn.conf.py \
    --access-logfile - \
    --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}"
