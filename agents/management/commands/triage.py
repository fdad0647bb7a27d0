import json

from django.core.management.base import BaseCommand, CommandError

from agents.triage import triage
from supportdesk.errors import ApplicationError
from tenants.selectors import tenant_get_by_slug


class Command(BaseCommand):
    help = "Classify a shopper message into one of the tenant's intents: category, priority, confidence."

    def add_arguments(self, parser):
        parser.add_argument("text", help="The message, in quotes.")
        parser.add_argument("--tenant", required=True, help="Tenant slug, e.g. macrocenter.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args, **options):
        try:
            tenant = tenant_get_by_slug(slug=options["tenant"])
            result = triage(tenant=tenant, text=options["text"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        for key, value in result.as_dict().items():
            self.stdout.write(f"{key}: {value}")
