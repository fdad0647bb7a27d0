from django.core.management.base import BaseCommand
from django.utils import timezone

from knowledge.embeddings import EmbeddingError
from knowledge.services import chunks_embed
from supportdesk.demo import DEMO_LOGINS, DEMO_PASSWORD
from supportdesk.demo.loader import demo_seed


class Command(BaseCommand):
    help = (
        "Create the demo stores (Macro Center, Northwind Coffee), their staff logins, catalogues, orders, "
        "knowledge base and agent set-up. Safe to run again: existing rows are never changed."
    )

    def handle(self, *args, **options):
        created = demo_seed(now=timezone.now())
        # Embed the demo articles now, so vector search works before a worker has run.
        try:
            chunks_embed()
        except EmbeddingError as exc:
            self.stderr.write(f"Embedding skipped ({exc}); the worker will retry. Full-text search works meanwhile.")
        if not created:
            self.stdout.write("Demo data already present, nothing changed.")
            return
        summary = ", ".join(
            f"{count} {model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural}"
            for model, count in created.items()
        )
        self.stdout.write(self.style.SUCCESS(f"Created {summary}."))
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r}):")
        for username, description in DEMO_LOGINS:
            self.stdout.write(f"  {username:<10} {description}")
