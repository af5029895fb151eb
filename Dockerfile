# The store in production: gunicorn behind your TLS proxy, static files by WhiteNoise.
# Build: docker build -t wagtail-store .
# Run:   docker compose up   (PostgreSQL, Redis, two web replicas behind nginx, a worker;
#        see docker-compose.yml). The image's commands: docker/entrypoint.sh.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PORT=8000

RUN apt-get update --yes --quiet \
 && apt-get install --yes --quiet --no-install-recommends libjpeg62-turbo zlib1g libwebp7 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 store

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY --chown=store:store . .
RUN mkdir -p /app/media && chown store:store /app/media
USER store

# Static files are collected once, at build time, into the image (WhiteNoise serves them).
# The key below exists only for this build step; the container refuses to start without
# a real SECRET_KEY.
RUN SECRET_KEY=collectstatic-build-step-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

EXPOSE 8000
ENTRYPOINT ["docker/entrypoint.sh"]
