import pytest

from knowledge import services
from knowledge.embeddings import EmbeddingError
from knowledge.models import Article, ArticleVersion, Chunk
from knowledge.search import search
from knowledge.tasks import embed_article
from supportdesk.errors import ApplicationError, NotFound
from tenants.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

BODY = "## Return window\n\nYou can return items within 30 days.\n\n## Refunds\n\nRefunds arrive in 5 days."


def new_article(tenant, **fields) -> Article:
    values = {"title": "Returns", "body": BODY, "status": Article.Status.PUBLISHED, **fields}
    return services.article_save(article=Article(tenant=tenant, **values), actor=fields.pop("actor", None))


def test_a_new_article_gets_a_slug_a_version_chunks_and_an_audit_event(tenant, django_capture_on_commit_callbacks):
    user = f.UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        article = services.article_save(
            article=Article(tenant=tenant, title="  Returns & Refunds ", body=BODY, status="published"), actor=user
        )
    assert article.slug == "returns-refunds"
    assert article.title == "Returns & Refunds"
    version = article.versions.get()
    assert (version.number, version.changed_by, version.title) == (1, user, "Returns & Refunds")
    chunks = list(Chunk.objects.filter(article=article))
    assert [c.heading for c in chunks] == ["Returns & Refunds > Return window", "Returns & Refunds > Refunds"]
    # The embedding task ran after commit (eagerly in tests) and filled every vector.
    assert len(callbacks) == 1
    assert all(c.embedding is not None and c.embedding_model.startswith("local:") for c in Chunk.objects.all())
    assert AuditEvent.objects.for_tenant(tenant).get(verb="article.created").actor_user == user


def test_saving_without_changes_keeps_no_new_version(tenant):
    article = new_article(tenant)
    services.article_save(article=Article.objects.get(pk=article.pk))
    assert article.versions.count() == 1


def test_editing_records_who_changed_what(tenant):
    article = new_article(tenant)
    editor = f.UserFactory()
    article.body = BODY.replace("30 days", "45 days")
    article.status = Article.Status.ARCHIVED
    services.article_save(article=article, actor=editor)
    latest = article.versions.order_by("-number").first()
    assert latest.number == 2
    assert latest.changed_by == editor
    assert sorted(latest.changed_fields) == ["body", "status"]


def test_only_changed_passages_are_embedded_again(tenant, openai_embeddings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = new_article(tenant)
    first = {c.content_hash: [float(x) for x in c.embedding] for c in Chunk.objects.filter(article=article)}
    sent_before = sum(len(r["body"]["input"]) for r in openai_embeddings.requests)
    article.body = BODY.replace("5 days", "7 days")
    with django_capture_on_commit_callbacks(execute=True):
        services.article_save(article=article)
    sent_after = sum(len(r["body"]["input"]) for r in openai_embeddings.requests)
    assert sent_after - sent_before == 1  # one passage changed, one embedded
    unchanged = Chunk.objects.get(article=article, heading="Returns > Return window")
    assert [float(x) for x in unchanged.embedding] == first[unchanged.content_hash]


def test_a_failing_embeddings_endpoint_leaves_the_article_searchable_by_full_text(tenant, openai_embeddings):
    openai_embeddings.fail_next(100, status=503)
    article = new_article(tenant, title="Gift cards", body="Gift cards never expire and can be reloaded.")
    with pytest.raises(EmbeddingError):
        services.chunks_embed(article_id=article.pk)
    # The task retries on exactly this error, with backoff, until the endpoint is back.
    assert EmbeddingError in embed_article.autoretry_for and embed_article.max_retries >= 5
    assert Chunk.objects.filter(article=article, embedding__isnull=True).count() == 1
    # The query cannot be embedded either: search falls back to full text and still answers.
    results = search(tenant=tenant, query="do gift cards expire", k=3)
    assert [r.article_id for r in results] == [article.pk]
    assert results[0].similarity is None

    openai_embeddings.recover()
    assert embed_article.apply(args=[article.pk]).get() == 1
    assert not Chunk.objects.filter(article=article, embedding__isnull=True).exists()


def test_a_transient_endpoint_error_is_retried_with_backoff(tenant, openai_embeddings, settings):
    settings.EMBEDDINGS_MAX_RETRIES = 1
    article = new_article(tenant, title="Gift cards", body="Gift cards never expire.")
    Chunk.objects.update(embedding=None, embedding_model="")
    openai_embeddings.fail_next(1, status=503)
    result = embed_article.apply(args=[article.pk])
    assert result.successful()
    assert result.get() == 1
    assert not Chunk.objects.filter(embedding__isnull=True).exists()
    assert sum(1 for r in openai_embeddings.requests if r["path"].endswith("/embeddings")) >= 2


def test_restoring_a_version_makes_a_new_version_with_the_old_content(tenant):
    article = new_article(tenant)
    article.body = "Completely rewritten."
    services.article_save(article=article)
    user = f.UserFactory()
    restored = services.article_restore_version(tenant=tenant, article_id=article.pk, number=1, actor=user)
    assert restored.body == BODY
    latest = restored.versions.order_by("-number").first()
    assert (latest.number, latest.note, latest.changed_by) == (3, "restored version 1", user)
    assert Chunk.objects.filter(article=article, text__contains="30 days").exists()


def test_another_tenants_version_cannot_be_restored(tenant, other_tenant):
    article = new_article(other_tenant)
    with pytest.raises(NotFound):
        services.article_restore_version(tenant=tenant, article_id=article.pk, number=1, actor=None)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": "  "}, "invalid_title"),
        ({"status": "live"}, "invalid_status"),
        ({"body": "x" * 200_001}, "body_too_long"),
    ],
)
def test_bad_articles_are_refused_and_nothing_is_written(tenant, fields, code):
    with pytest.raises(ApplicationError) as error:
        new_article(tenant, **fields)
    assert error.value.code == code
    assert not Article.objects.exists() and not ArticleVersion.objects.exists()


def test_slugs_stay_unique_within_a_tenant_only(tenant, other_tenant):
    assert new_article(tenant).slug == "returns"
    assert new_article(tenant).slug == "returns-2"
    assert new_article(other_tenant).slug == "returns"


def test_the_sweep_indexes_old_articles_and_embeds_what_tasks_missed(tenant, settings):
    from knowledge.tasks import index_pending

    old = Article.objects.create(tenant=tenant, title="Old", slug="old", body="## A\n\nWritten before indexing.")
    missed = new_article(tenant, title="Missed", body="Its embedding task was lost.")
    Chunk.objects.filter(article=missed).update(embedding=None, embedding_model="")
    assert index_pending.apply().get() == {"articles_indexed": 1, "passages_embedded": 2}
    assert not Chunk.objects.filter(embedding__isnull=True).exists()
    assert Chunk.objects.filter(article=old).count() == 1
    assert index_pending.apply().get() == {"articles_indexed": 0, "passages_embedded": 0}
    assert "knowledge-index-pending" in settings.CELERY_BEAT_SCHEDULE


def test_an_article_without_history_keeps_its_old_text_as_a_first_version(tenant):
    article = Article.objects.create(tenant=tenant, title="Old", slug="old", body="Original words.", status="published")
    article.body = "New words."
    services.article_save(article=article)
    versions = list(article.versions.order_by("number"))
    assert [(v.number, v.body, v.note) for v in versions] == [
        (1, "Original words.", "as it was before version history"),
        (2, "New words.", ""),
    ]
