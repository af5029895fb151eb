#!/usr/bin/env bash
# Container start. The same script runs in the image and in the test suite (tests/deploy/).
#   entrypoint.sh          migrate, then serve with gunicorn (one container on its own)
#   entrypoint.sh migrate  apply migrations and exit (run once, before any web replica)
#   entrypoint.sh web      serve with gunicorn, no migrations (one of several replicas)
#   entrypoint.sh worker [db_worker options]  run background tasks (TASKS_BACKEND), at
#                          WORKER_NICENESS (default 10): receipts and follow-ups wait,
#                          requests (Stripe's webhooks among them) get the CPU first
set -euo pipefail

PYTHON="${PYTHON:-python}"
HOST="${HOST:-0.0.0.0}"
PORT="${PORT:-8000}"

migrate() {
    "$PYTHON" manage.py migrate --noinput
}

# Each worker process serves GUNICORN_THREADS requests at once: 1 is gunicorn's sync
# worker; more is its gthread worker, where a request waiting (on Stripe's API, on
# PostgreSQL flushing a commit) leaves its process free for another, at the price of the
# threads sharing one interpreter (see README, "Containers").
serve() {
    exec "$PYTHON" -m gunicorn config.wsgi:application \
        --bind "${HOST}:${PORT}" \
        --workers "${WEB_CONCURRENCY:-2}" \
        --threads "${GUNICORN_THREADS:-1}" \
        --config docker/gunicorn.conf.py \
        --access-logfile - \
        --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}"
}

mode="${1:-all}"
if [ "$#" -gt 0 ]; then shift; fi
case "$mode" in
    all) migrate; serve ;;
    migrate) migrate ;;
    web) serve ;;
    worker) exec nice -n "${WORKER_NICENESS:-10}" "$PYTHON" manage.py db_worker --no-reload "$@" ;;
    *)
        echo "entrypoint.sh: unknown command '$mode' (all, migrate, web or worker)" >&2
        exit 64
        ;;
esac
