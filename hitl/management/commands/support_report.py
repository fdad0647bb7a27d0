"""`python manage.py support_report --tenant SLUG [--since DATE] [--until DATE] [--json]`."""

import json as json_module
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hitl.report import support_report
from tenants.models import Tenant


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-01.") from None


def _minutes(figure: dict) -> str:
    if not figure["count"]:
        return "—"
    return f"median {figure['median']} min, p90 {figure['p90']} min ({figure['count']})"


def _pct(value) -> str:
    return "—" if value is None else f"{value:.0%}"


class Command(BaseCommand):
    help = "The store's support performance: AI resolution, handoffs, response times, SLAs, reviews, CSAT."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The store's slug.")
        parser.add_argument("--since", help="First day (UTC), YYYY-MM-DD; default 30 days ago.")
        parser.add_argument("--until", help="Day after the last (UTC), YYYY-MM-DD; default tomorrow.")
        parser.add_argument("--json", action="store_true", help="The figures as JSON.")

    def handle(self, *args, tenant, since=None, until=None, json=False, **options):
        store = Tenant.objects.filter(slug=tenant).first()
        if store is None:
            known = ", ".join(Tenant.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No store {tenant!r}. Stores: {known}.")
        first = _day(since) if since else timezone.now().date() - timedelta(days=30)
        last = _day(until) if until else None
        if last is not None and last <= first:
            raise CommandError("--until must be after --since.")
        report = support_report(tenant=store, since=first, until=last)
        if json:
            self.stdout.write(json_module.dumps(report, indent=2, default=str))
            return
        self._print(report)

    def _print(self, report: dict) -> None:
        out = self.stdout.write
        out(f"Support report for {report['tenant']}, {report['since']} to {report['until']} (UTC days)")
        for title, rows, key in (("Totals", [report["totals"]], None), ("Per channel", report["by_channel"], "channel"),
                                 ("Per day", report["by_day"], "day")):  # fmt: skip
            out(f"\n{title}")
            for row in rows:
                head = f"  {row[key]}: " if key else "  "
                out(f"{head}{row['conversations']} conversations, AI resolution {_pct(row['ai_resolution_rate'])} "
                    f"(of {row['ai_resolution_decided']} decided), handoffs {_pct(row['handoff_rate'])}")  # fmt: skip
                if key is None or key == "channel":
                    out(f"    first response: {_minutes(row['first_response_minutes'])}")
                    out(f"    first human response after handoff: {_minutes(row['first_human_response_minutes'])}")
                    out(f"    resolution: {_minutes(row['resolution_minutes'])}")
                    sla = ", ".join(f"{metric.replace('_', ' ')} {_pct(v['rate'])} of {v['finished']}"
                                    for metric, v in row["sla_compliance"].items())  # fmt: skip
                    out(f"    SLA met: {sla}")
                    out(
                        f"    reviews: {row['reviews_decided']} decided, turnaround "
                        f"{_minutes(row['review_turnaround_minutes'])}, overridden {_pct(row['review_override_rate'])}"
                    )
                    csat = row["csat"]
                    out(
                        f"    CSAT: {csat['average'] or '—'} average of {csat['responses']}, "
                        f"{_pct(csat['satisfied_rate'])} satisfied"
                    )
                    reasons = ", ".join(f"{k} {v['count']}" for k, v in row["handoffs_by_reason"].items()) or "none"
                    out(f"    handoffs by reason: {reasons}")
