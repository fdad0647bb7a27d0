import json

from django.core.management.base import BaseCommand, CommandError

from knowledge.answers import grounded_answer
from knowledge.search import MODES, search
from supportdesk.errors import ApplicationError
from tenants.selectors import tenant_get_by_slug


class Command(BaseCommand):
    help = "Search a tenant's knowledge base the way the agent does and print the ranked passages."

    def add_arguments(self, parser):
        parser.add_argument("query", help="What a shopper would ask, in quotes.")
        parser.add_argument("--tenant", required=True, help="Tenant slug, e.g. macrocenter.")
        parser.add_argument("--k", type=int, default=5, help="How many passages (default 5).")
        parser.add_argument("--mode", choices=MODES, default="hybrid", help="Retriever (default hybrid).")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of text.")
        parser.add_argument(
            "--answer",
            action="store_true",
            help="Print the answer quoted from the best passage, as the agent gives it.",
        )

    def handle(self, *args, **options):
        try:
            tenant = tenant_get_by_slug(slug=options["tenant"])
            if options["answer"]:
                answer = grounded_answer(tenant=tenant, question=options["query"], k=options["k"])
                self.stdout.write(f"{answer.text}\n{answer.link}" if answer else "No article answers this well enough.")
                return
            results = search(tenant=tenant, query=options["query"], k=options["k"], mode=options["mode"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            keys = ("article_id", "title", "heading", "score", "text", "link", "similarity", "stale")
            self.stdout.write(json.dumps([{key: r.as_dict()[key] for key in keys} for r in results], indent=2))
            return
        if not results:
            self.stdout.write("No passage matches.")
            return
        for rank, result in enumerate(results, start=1):
            stale = "  [stale]" if result.stale else ""
            self.stdout.write(self.style.SUCCESS(f"{rank}. {result.heading}") + f"  score {result.score:.4f}{stale}")
            self.stdout.write(f"   {result.link}")
            for line in result.text.splitlines():
                self.stdout.write(f"   {line}")
            self.stdout.write("")
