from celery import shared_task

from knowledge.embeddings import EmbeddingError


@shared_task(
    autoretry_for=(EmbeddingError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
    acks_late=True,
)
def embed_article(article_id: int) -> int:
    """Embed an article's new passages. Safe to run twice: embedded chunks are skipped."""
    from knowledge.services import chunks_embed

    return chunks_embed(article_id=article_id)


@shared_task(acks_late=True)
def report_stale_articles() -> dict[str, int]:
    """Nightly (Celery beat): tell article owners what is past its review-by date. Once a day per tenant."""
    from django.utils import timezone

    from knowledge.services import stale_articles_report

    return stale_articles_report(today=timezone.localdate())


@shared_task(acks_late=True)
def index_pending() -> dict[str, int]:
    """Every few minutes (Celery beat): index and embed whatever the after-commit tasks missed."""
    from knowledge.services import kb_index_pending

    return kb_index_pending()
