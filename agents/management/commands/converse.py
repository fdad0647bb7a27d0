import json

from django.core.management.base import BaseCommand, CommandError

from agents.engine.converse import converse, customer_for_contact
from conversations.models import Channel
from supportdesk.errors import ApplicationError
from tenants.selectors import tenant_get_by_slug


class Command(BaseCommand):
    help = (
        "Talk to the agent as a customer: runs one turn on the customer's open conversation and prints the "
        "reply. Consecutive calls continue the conversation. Without a message, a prompt (Ctrl-D to quit)."
    )

    def add_arguments(self, parser):
        parser.add_argument("message", nargs="?", help="What the shopper says, in quotes.")
        parser.add_argument("--tenant", required=True, help="Tenant slug, e.g. macrocenter.")
        parser.add_argument(
            "--customer",
            required=True,
            help="The customer's email or phone (+ and country code); a new customer when the store has none.",
        )
        parser.add_argument("--channel", default="web", choices=["web", "email", "sms"])
        parser.add_argument("--json", action="store_true", help="Print the turn as JSON.")

    def handle(self, *args, **options):
        try:
            tenant = tenant_get_by_slug(slug=options["tenant"])
            customer = customer_for_contact(tenant=tenant, contact=options["customer"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if options["message"] is not None:
            self._turn(tenant, customer, options["message"], options)
            return
        self.stdout.write(
            f"Talking to {tenant.name} as {customer} on {Channel(options['channel']).label}. Ctrl-D quits."
        )
        while True:
            try:
                text = input("you> ")
            except (EOFError, KeyboardInterrupt):
                self.stdout.write("")
                return
            if text.strip():
                try:
                    self._turn(tenant, customer, text, options)
                except CommandError as exc:
                    self.stderr.write(str(exc))

    def _turn(self, tenant, customer, text, options) -> None:
        try:
            result = converse(tenant=tenant, customer=customer, text=text, channel=options["channel"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, default=str))
        elif result["reply"] is None:
            self.stdout.write("agent> (a person is handling this conversation now; the AI does not reply)")
        else:
            self.stdout.write(f"agent> {result['reply']}")
