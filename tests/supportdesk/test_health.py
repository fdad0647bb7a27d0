import pytest


def test_healthz_answers_without_touching_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_every_dependency_answers(client, celery_worker):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "pgvector", "migrations", "redis", "celery"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["pgvector"]["detail"].startswith("pgvector 0.8")


@pytest.mark.django_db
def test_readyz_reports_unreachable_redis_as_503(client, settings, celery_worker, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/nothing-listens-here.sock"
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_reports_missing_worker_as_503(client, settings, celery_worker, monkeypatch):
    from supportdesk.celery import app as celery_app

    # Same Redis, another database: the running test worker cannot hear this ping.
    broker = settings.CELERY_BROKER_URL
    other_db = f"{broker}?virtual_host=7" if broker.startswith("redis+socket://") else f"{broker.rsplit('/', 1)[0]}/7"
    monkeypatch.setattr(celery_app.conf, "broker_url", other_db)
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["celery"] == {
        "ok": False,
        "detail": "RuntimeError: no Celery worker answered a ping",
        "ms": body["checks"]["celery"]["ms"],
    }
    assert body["checks"]["redis"]["ok"] is True


@pytest.mark.django_db
def test_readyz_reports_unapplied_migrations_as_503(client, celery_worker, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    real_plan = MigrationExecutor.migration_plan

    def plan_with_one_pending(self, targets, clean_start=False):
        migration = self.loader.get_migration("tenants", "0002_audit_append_only")
        return [(migration, False), *real_plan(self, targets, clean_start)]

    monkeypatch.setattr(MigrationExecutor, "migration_plan", plan_with_one_pending)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "tenants.0002_audit_append_only" in response.json()["checks"]["migrations"]["detail"]


def test_readyz_refuses_other_methods(client):
    assert client.post("/readyz").status_code == 405


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
