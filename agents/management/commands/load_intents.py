import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agents.services import intents_load
from supportdesk.errors import ApplicationError
from tenants.selectors import tenant_get_by_slug


class Command(BaseCommand):
    help = (
        'Create or update a tenant\'s intents from a JSON file: [{"name", "description", "examples": [...], '
        '"priority", "profile"?}]. --replace deletes the intents the file does not list.'
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the JSON file.")
        parser.add_argument("--tenant", required=True, help="Tenant slug, e.g. macrocenter.")
        parser.add_argument("--replace", action="store_true", help="Delete intents missing from the file.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {path}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from exc
        try:
            tenant = tenant_get_by_slug(slug=options["tenant"])
            loaded = intents_load(tenant=tenant, items=items, replace=options["replace"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(loaded.created)} created, {len(loaded.updated)} updated, {len(loaded.removed)} removed."
            )
        )
