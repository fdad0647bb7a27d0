from django.core.management.base import BaseCommand, CommandError

from knowledge.embeddings import EmbeddingError, get_provider
from knowledge.models import Article, Chunk
from knowledge.services import article_reindex, chunks_embed
from supportdesk.errors import ApplicationError
from tenants.selectors import tenant_get_by_slug


class Command(BaseCommand):
    help = (
        "Embed every knowledge-base passage that has no vector from the configured provider and model "
        "(run it after changing EMBEDDINGS_PROVIDER or EMBEDDINGS_MODEL). --rechunk splits the articles again first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Only this tenant (slug). Default: every tenant.")
        parser.add_argument("--rechunk", action="store_true", help="Re-split every article before embedding.")

    def handle(self, *args, **options):
        tenant = None
        if options["tenant"]:
            try:
                tenant = tenant_get_by_slug(slug=options["tenant"])
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
        articles = Article.objects.all() if tenant is None else Article.objects.for_tenant(tenant)
        chunks = Chunk.objects.all() if tenant is None else Chunk.objects.for_tenant(tenant)
        if options["rechunk"]:
            for article in articles.select_related("tenant").iterator():
                article_reindex(article=article)
            self.stdout.write(f"Re-split {articles.count()} article(s) into {chunks.count()} passage(s).")
        provider = get_provider()
        try:
            done = chunks_embed(tenant=tenant)
        except EmbeddingError as exc:
            raise CommandError(f"The embeddings provider failed: {exc}. Nothing was lost; run this again.") from exc
        self.stdout.write(self.style.SUCCESS(f"Embedded {done} passage(s) with {provider.identity}."))
