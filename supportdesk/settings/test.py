"""Test settings: a separate embedded data dir so tests never touch `make run`'s data."""

import os
from pathlib import Path

os.environ.setdefault("SUPPORTDESK_VAR_DIR", str(Path(__file__).resolve().parent.parent.parent / "var" / "test"))
os.environ.setdefault("REDIS_KEY_PREFIX", "supportdesk-test")
# pytest-xdist runs the tests in worker processes, each with a database of its own (pytest-django
# adds "_gw0" to its name): each gets Redis keys of its own too, so one worker's Celery tasks,
# channel groups and cache never reach another's. Subprocesses a test starts inherit both.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER and not os.environ["REDIS_KEY_PREFIX"].endswith(f"-{XDIST_WORKER}"):
    os.environ["REDIS_KEY_PREFIX"] += f"-{XDIST_WORKER}"
# A developer's .env (say, a DATABASE_URL for production data) must not steer the tests.
os.environ.setdefault("SUPPORTDESK_DOTENV", os.devnull)

from supportdesk.settings.base import *  # noqa: E402, F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Tasks queued with transaction.on_commit run inline where a test executes the callbacks;
# tests/conftest.py's celery_worker drives the real broker path end to end.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# The Celery worker that tests start (tests/conftest.py) reads pytest's test database.
if os.environ.get("SUPPORTDESK_TEST_WORKER"):
    suffix = f"_{XDIST_WORKER}" if XDIST_WORKER else ""
    DATABASES["default"]["NAME"] = "test_" + DATABASES["default"]["NAME"] + suffix  # noqa: F405

# A developer's LLM_BASE_URL must not reach the tests either: they point the engine at the
# fake server themselves. A worker a test starts for the LLM path opts in.
if not os.environ.get("SUPPORTDESK_TEST_LLM_FROM_ENV"):
    LLM_PROVIDERS = []
