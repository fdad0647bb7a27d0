"""End to end through the real broker: a saved article is embedded by a Celery worker process."""

import time

import pytest

from knowledge import services
from knowledge.models import Article, Chunk
from knowledge.search import search
from supportdesk.celery import app as celery_app


@pytest.mark.django_db(transaction=True)
def test_a_saved_article_is_embedded_by_the_worker_after_commit(tenant, celery_worker, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    def not_here(**kwargs):
        raise AssertionError("embedding ran in the test process, not in the worker")

    monkeypatch.setattr(services, "chunks_embed", not_here)
    article = services.article_save(
        article=Article(tenant=tenant, title="Gift cards", body="Gift cards never expire.", status="published")
    )
    # Committed and searchable by full text at once, before any worker has run.
    assert search(tenant=tenant, query="gift cards expire", k=1, mode="text")[0].article_id == article.pk
    deadline = time.monotonic() + 60
    while Chunk.objects.filter(article=article, embedding__isnull=True).exists():
        assert time.monotonic() < deadline, "the worker did not embed the article"
        time.sleep(0.1)
    assert (
        search(tenant=tenant, query="is my present voucher still valid", k=1, mode="vector")[0].article_id == article.pk
    )
