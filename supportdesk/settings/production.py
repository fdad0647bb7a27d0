"""Production settings: everything external, nothing insecure by default."""

import os

from supportdesk.settings.base import *  # noqa: F403

DEBUG = False
if not os.environ.get("DJANGO_SECRET_KEY"):
    raise RuntimeError("DJANGO_SECRET_KEY must be set in production")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
if EMBEDDED_POSTGRES or EMBEDDED_REDIS:  # noqa: F405
    raise RuntimeError("DATABASE_URL and REDIS_URL must be set in production")
