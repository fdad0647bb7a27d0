"""No Docker engine runs here, so check what can be checked: the compose file agrees with the
settings, and the image's build step (collectstatic under production settings) works."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_web_worker_beat_on_external_postgres_with_pgvector_and_redis_7():
    services = compose()["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert "pgvector" in services["db"]["image"]
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "supportdesk.settings.production"
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert environment["REDIS_URL"].startswith("redis://redis:6379")
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def test_every_variable_compose_sets_is_one_the_settings_read():
    documented = set(re.findall(r"^# ([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    for name, service in compose()["services"].items():
        if name in {"db", "redis"}:
            continue
        assert set(service["environment"]) <= documented, name


def test_the_dockerfile_build_step_collects_static_files_under_production_settings(tmp_path):
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER supportdesk" in dockerfile
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    build_env = dict(
        re.findall(r"([A-Z_]+)=(\S+) \\\n", dockerfile.split("python manage.py collectstatic")[0].split("RUN ")[-1])
    )
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= set(build_env)
    environment = {
        **os.environ,
        **build_env,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings.production",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "SUPPORTDESK_VAR_DIR": str(tmp_path / "var"),
        "SUPPORTDESK_DOTENV": os.devnull,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "admin" / "css" / "base.css").exists()
    # Production never falls back to the embedded servers.
    assert not (tmp_path / "var" / "pgdata").exists()


def test_production_settings_refuse_to_start_without_a_secret_or_external_services():
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "supportdesk.settings.production", "SUPPORTDESK_DOTENV": os.devnull}
    base.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=base, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr
