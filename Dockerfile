# Production image: web (daphne), worker and beat all run from it; see docker-compose.yml.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=supportdesk.settings.production

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 supportdesk
COPY --chown=supportdesk:supportdesk . .

# collectstatic imports the settings, which need a database and Redis URL (never the embedded
# ones in production) and a secret; none is contacted, so placeholders do.
RUN DJANGO_SECRET_KEY=collectstatic-only \
    DATABASE_URL=postgresql://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    SUPPORTDESK_VAR_DIR=/tmp/supportdesk \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R supportdesk:supportdesk /app/var /app/staticfiles

USER supportdesk
ENV DJANGO_STATIC_ROOT=/app/staticfiles SUPPORTDESK_VAR_DIR=/app/var
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"

CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "supportdesk.asgi:application"]
