from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from knowledge.ingest import ingest_directory
from knowledge.models import Article
from supportdesk.errors import ApplicationError
from tenants.selectors import tenant_get_by_slug


class Command(BaseCommand):
    help = (
        "Import a folder of .md, .html and .txt files as knowledge-base articles. Changed files update their "
        "article (keeping a version); unchanged files are left alone; unusable files are skipped with a reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Folder to import (searched recursively).")
        parser.add_argument("--tenant", required=True, help="Tenant slug, e.g. macrocenter.")
        parser.add_argument(
            "--status", choices=Article.Status.values, default=Article.Status.PUBLISHED,
            help="Status of newly created articles (default published).",
        )  # fmt: skip

    def handle(self, *args, **options):
        try:
            tenant = tenant_get_by_slug(slug=options["tenant"])
            report = ingest_directory(tenant=tenant, root=Path(options["path"]), status=options["status"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for name in report.created:
            self.stdout.write(f"created   {name}")
        for name in report.updated:
            self.stdout.write(f"updated   {name}")
        for name, reason in report.skipped:
            self.stderr.write(f"skipped   {name}: {reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped."
            )
        )
