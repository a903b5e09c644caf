# syntax=docker/dockerfile:1
#
# Production image for the county governance-center case system (县综治中心矛盾纠纷案件系统).
# One image runs every app service of docker-compose.yml: web (gunicorn), worker and beat (celery),
# and the one-shot migrate job.
#
#   docker compose --env-file deploy/.env build      (or: docker build -t zongzhi:latest .)
#
# The build context is an allow-list (.dockerignore): manage.py, the apps, templates/, static/,
# locale/, requirements.lock and deploy/gunicorn.conf.py. Secrets (deploy/.env) never enter it.

# ---- build stage: dependencies, compiled translations, collected static files --------------
FROM python:3.11-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1

# gettext provides msgfmt for compilemessages; it stays in this stage only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Runtime dependencies only, every file checked against its hash (dev tools are in
# requirements-dev.lock and are not installed).
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock

WORKDIR /app
COPY . /app/

ENV STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    VAR_DIR=/data/var

# Settings refuse to load without SECRET_KEY when DEBUG is off; a throw-away key is passed to
# these commands only and is not stored in the image's environment.
RUN set -eu; \
    if [ -n "$(find /app -name '*.po' -print -quit)" ]; then \
        env SECRET_KEY=build-only DEBUG=0 python manage.py compilemessages; \
    fi; \
    env SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --noinput; \
    python -m compileall -q /app; \
    chmod -R a+rX /app

# ---- runtime stage ---------------------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=governance.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    VAR_DIR=/data/var

# An unprivileged user. The code under /app stays owned by root (read-only for the app); only
# /data (uploads, celery beat's schedule) is writable. Named volumes mounted there start out
# with this ownership.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin app \
    && mkdir -p /data/media /data/var \
    && chown -R app:app /data

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app

WORKDIR /app
USER 10001:10001

EXPOSE 8000

# No HEALTHCHECK here: the same image also runs the worker, beat and the migrate job, so each
# service gets its own health check in docker-compose.yml.
CMD ["gunicorn", "governance.wsgi:application", "-c", "deploy/gunicorn.conf.py"]
