"""Writes to the knowledge base: saving articles (with versions), indexing and embedding chunks."""

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify

from knowledge.chunking import chunk_article
from knowledge.embeddings import EmbeddingError, get_provider
from knowledge.models import Article, ArticleVersion, Chunk
from supportdesk.errors import ApplicationError, NotFound
from tenants.models import AuditEvent, Tenant
from tenants.services import audit_record

logger = logging.getLogger(__name__)

VERSIONED_FIELDS = ("title", "body", "status", "tags", "review_by")
MAX_BODY_CHARS = 200_000


def _validate(article: Article) -> None:
    article.title = (article.title or "").strip()
    if not article.title:
        raise ApplicationError("An article needs a title.", code="invalid_title")
    if len(article.body or "") > MAX_BODY_CHARS:
        raise ApplicationError(f"An article body is limited to {MAX_BODY_CHARS:,} characters.", code="body_too_long")
    if article.status not in Article.Status.values:
        raise ApplicationError(f"Unknown status {article.status!r}.", code="invalid_status")
    article.tags = sorted({tag.strip().lower() for tag in article.tags or [] if tag.strip()})


def _unique_slug(tenant: Tenant, wanted: str, *, exclude_pk: int | None) -> str:
    base = slugify(wanted)[:240] or "article"
    taken = set(
        Article.objects.for_tenant(tenant)
        .filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def article_save(*, article: Article, actor: AbstractBaseUser | None = None, note: str = "") -> Article:
    """Save a new or edited article: a version when something changed, chunks re-indexed, and the
    embedding of changed passages queued after commit. Full-text search sees it at once."""
    _validate(article)
    previous = Article.objects.select_for_update().filter(pk=article.pk).first() if article.pk else None
    if previous is not None and previous.tenant_id != article.tenant_id:
        raise ApplicationError("An article cannot move to another tenant.", code="cross_tenant")
    article.slug = _unique_slug(article.tenant, article.slug or article.title, exclude_pk=article.pk)
    changed = [f for f in VERSIONED_FIELDS if previous is None or getattr(previous, f) != getattr(article, f)]
    if previous is not None and not changed and previous.slug == article.slug and previous.owner_id == article.owner_id:
        return previous
    if actor is not None and actor.is_authenticated:
        article.updated_by = actor
    if previous is not None and changed and not ArticleVersion.objects.filter(article=previous).exists():
        # Written before versions existed (or straight to the table): keep what it said first.
        _version_record(article=previous, changed=[], actor=None, note="as it was before version history")
    article.save()
    if changed:
        _version_record(article=article, changed=changed, actor=actor, note=note)
    if previous is None or {"title", "body"} & set(changed):
        article_reindex(article=article)
    audit_record(
        tenant=article.tenant,
        verb="article.created" if previous is None else "article.updated",
        actor_kind=AuditEvent.ActorKind.USER if actor is not None else AuditEvent.ActorKind.SYSTEM,
        actor_user=actor,
        target=article,
        data={"changed": changed, "note": note} if note else {"changed": changed},
    )
    return article


def _version_record(*, article: Article, changed: list[str], actor, note: str) -> ArticleVersion:
    last = ArticleVersion.objects.filter(article=article).order_by("-number").values_list("number", flat=True).first()
    return ArticleVersion.objects.create(
        tenant=article.tenant,
        article=article,
        number=(last or 0) + 1,
        title=article.title,
        body=article.body,
        status=article.status,
        tags=list(article.tags),
        review_by=article.review_by,
        changed_fields=changed,
        changed_by=actor if actor is not None and actor.is_authenticated else None,
        note=note,
    )


@transaction.atomic
def article_restore_version(*, tenant: Tenant, article_id: int, number: int, actor: AbstractBaseUser | None) -> Article:
    article = Article.objects.for_tenant(tenant).filter(pk=article_id).first()
    version = ArticleVersion.objects.for_tenant(tenant).filter(article_id=article_id, number=number).first()
    if article is None or version is None:
        raise NotFound("No such article version.")
    for field in VERSIONED_FIELDS:
        setattr(article, field, getattr(version, field))
    return article_save(article=article, actor=actor, note=f"restored version {number}")


def article_reindex(*, article: Article) -> int:
    """Rewrite the article's chunks. Passages whose text is unchanged keep their vector; the
    rest wait for ``chunks_embed``, queued after commit. Returns how many need embedding."""
    provider_identity = get_provider().identity
    kept = dict(
        Chunk.objects.filter(article=article, embedding__isnull=False, embedding_model=provider_identity).values_list(
            "content_hash", "embedding"
        )
    )
    Chunk.objects.filter(article=article).delete()
    rows = []
    for position, passage in enumerate(chunk_article(article.title, article.body)):
        embedding = kept.get(passage.content_hash)
        rows.append(
            Chunk(
                tenant=article.tenant,
                article=article,
                position=position,
                heading=passage.heading[:500],
                text=passage.text,
                content_hash=passage.content_hash,
                embedding=embedding,
                embedding_model=provider_identity if embedding is not None else "",
            )
        )
    Chunk.objects.bulk_create(rows)
    missing = sum(1 for row in rows if row.embedding is None)
    if missing:
        from knowledge.tasks import embed_article

        transaction.on_commit(lambda: embed_article.delay(article.pk))
    return missing


def chunks_embed(*, article_id: int | None = None, tenant: Tenant | None = None, batch: int = 64) -> int:
    """Embed every chunk (of one article, one tenant, or all) that has no vector from the current
    provider. Idempotent. Raises EmbeddingError when the provider fails; nothing is half-written."""
    provider = get_provider()
    pending = Chunk.objects.exclude(embedding_model=provider.identity, embedding__isnull=False)
    if article_id is not None:
        pending = pending.filter(article_id=article_id)
    if tenant is not None:
        pending = pending.for_tenant(tenant)
    done = 0
    while True:
        rows = list(pending.order_by("id").values("id", "heading", "text", "content_hash")[:batch])
        if not rows:
            return done
        inputs = [f"{row['heading']}\n{row['text']}" if row["heading"] else row["text"] for row in rows]
        try:
            vectors = provider.embed_passages(inputs)
        except EmbeddingError:
            logger.warning("embedding failed for %d chunk(s); full-text search still serves them", len(rows))
            raise
        with transaction.atomic():
            for row, vector in zip(rows, vectors, strict=True):
                # The article may have been edited meanwhile: only write a vector for the same text.
                Chunk.objects.filter(pk=row["id"], content_hash=row["content_hash"]).update(
                    embedding=vector, embedding_model=provider.identity
                )
        done += len(rows)


def kb_index_pending() -> dict[str, int]:
    """The safety net behind the after-commit task: index articles that have no passages (data
    from before indexing existed) and embed passages that still lack a current vector (a task
    lost with a Redis restart, an endpoint that was down). The database is the source of truth."""
    unindexed = Article.objects.filter(chunks__isnull=True).select_related("tenant")
    indexed = 0
    for article in unindexed.iterator():
        with transaction.atomic():
            article_reindex(article=article)
        indexed += 1
    return {"articles_indexed": indexed, "passages_embedded": chunks_embed()}


def stale_articles_report(*, today) -> dict[str, int]:
    """Email each article owner the published articles past their review-by date (owners-less
    articles go to the store's owners and admins). Once per tenant per day; returns emails sent
    per tenant slug."""
    from collections import defaultdict

    from django.core.mail import send_mail

    from tenants.models import Membership

    sent: dict[str, int] = {}
    for tenant in Tenant.objects.filter(active=True):
        stale = list(
            Article.objects.for_tenant(tenant)
            .filter(status=Article.Status.PUBLISHED, review_by__lt=today)
            .select_related("owner")
            .order_by("review_by")
        )
        already = AuditEvent.objects.for_tenant(tenant).filter(verb="kb.stale_report", data__day=str(today)).exists()
        if not stale or already:
            continue
        managers = list(
            Membership.objects.for_tenant(tenant)
            .filter(role__in=[Membership.Role.OWNER, Membership.Role.ADMIN], user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        by_recipient: dict[str, list[Article]] = defaultdict(list)
        for article in stale:
            recipients = [article.owner.email] if article.owner and article.owner.email else managers
            for email in recipients:
                by_recipient[email].append(article)
        for email, articles in by_recipient.items():
            lines = [f"- {a.title} (review was due {a.review_by:%b %d, %Y})" for a in articles]
            send_mail(
                subject=f"[{tenant.name}] {len(articles)} help article(s) need a review",
                message=(
                    "These published articles are past their review-by date. Shoppers are "
                    + ("not shown them" if tenant.stale_articles == Tenant.StaleArticles.HIDE else "shown them lower")
                    + " until you review them and move the date:\n\n"
                    + "\n".join(lines)
                ),
                from_email=None,
                recipient_list=[email],
            )
        audit_record(
            tenant=tenant,
            verb="kb.stale_report",
            actor_label="knowledge freshness job",
            data={"day": str(today), "articles": [a.pk for a in stale], "recipients": sorted(by_recipient)},
        )
        sent[tenant.slug] = len(by_recipient)
    return sent
