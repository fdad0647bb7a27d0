"""The staff dashboard at scale: 100,000 conversations and 1,000,000 messages in one store (and
as many in a second), seeded with COPY. Measured through Django's test client (the whole
request: middleware, the queries, the template), signed in as the store's agent:

- the inbox's first page (the "all" view, sorted by what needs a person first) and its query
  count, which must not grow with the rows;
- a full-text search over the messages, customers and order numbers;
- a conversation's workspace whose timeline has 200 items.

The live-update latency (a commit reaching a watching browser) is measured by bench/live.py.
"""

import json
import random
import statistics
import time
from datetime import timedelta

from bench import django_env
from bench.report import write_section

CONVERSATIONS = 100_000
MESSAGES_PER = 10  # 1,000,000 messages a store
LONG = 50  # conversations whose timeline has 200 items
RUNS = 60
_VOCABULARY = (
    "order refund parcel delivery broken fan card cable keyboard monitor screen late tracking invoice charge "
    "return label warranty replacement noise driver install crash battery charger box damaged missing wrong size"
)
WORDS = tuple(_VOCABULARY.split())


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(slug: str, rng: random.Random) -> None:
    """One store's customers, conversations, messages and tickets, unless they are there."""
    from django.db import connection
    from django.utils import timezone
    from psycopg.types.json import Jsonb

    from conversations.models import Conversation
    from conversations.sort_keys import sort_keys_rebuild
    from tenants.models import Membership, Tenant

    tenant, _ = Tenant.objects.get_or_create(slug=slug, defaults={"name": f"Bench {slug}"})
    if Conversation.objects.filter(tenant=tenant).count() >= CONVERSATIONS:
        return
    from django.contrib.auth import get_user_model

    agent, _ = get_user_model().objects.get_or_create(username=f"{slug}-agent", defaults={"is_staff": True})
    Membership.objects.get_or_create(tenant=tenant, user=agent, defaults={"role": Membership.Role.AGENT})
    now = timezone.now()
    customers = CONVERSATIONS // 2
    with connection.cursor() as cursor:
        raw = cursor.cursor
        cursor.execute("SELECT coalesce(max(id), 0) FROM conversations_customer")
        first_customer = cursor.fetchone()[0] + 1
        _copy(raw, "conversations_customer",
              ("id", "tenant_id", "name", "email", "phone", "external_id", "tags", "extracted_data", "created_at",
               "updated_at"),
              ((first_customer + i, tenant.pk, f"Shopper {i} {rng.choice(WORDS).title()}",
                f"shopper{i}@{slug}.example.com", "", "", [], Jsonb({}), now, now)
               for i in range(customers)))  # fmt: skip
        cursor.execute("SELECT setval('conversations_customer_id_seq', (SELECT max(id) FROM conversations_customer))")
        cursor.execute("SELECT coalesce(max(id), 0) FROM conversations_conversation")
        first = cursor.fetchone()[0] + 1
        statuses = ["open"] * 5 + ["resolved"] * 4 + ["snoozed"]

        def conversation(i):
            at = now - timedelta(minutes=i)
            return (first + i, tenant.pk, first_customer + i % customers, rng.choice(("web", "email", "sms")),
                    rng.choice(statuses), rng.choice(("ai", "ai", "human")), f"Question {i}", at, at, at, False, 0,
                    Jsonb({}), [])  # fmt: skip

        _copy(raw, "conversations_conversation",
              ("id", "tenant_id", "customer_id", "channel", "status", "handled_by", "subject", "created_at",
               "updated_at", "last_message_at", "customer_verified", "answered_through_id", "agent_state", "tags"),
              (conversation(i) for i in range(CONVERSATIONS)))  # fmt: skip
        cursor.execute("SELECT setval('conversations_conversation_id_seq', "
                       "(SELECT max(id) FROM conversations_conversation))")  # fmt: skip

        def messages():
            for i in range(CONVERSATIONS):
                count = 200 if i < LONG else MESSAGES_PER
                at = now - timedelta(minutes=i, seconds=count)
                for n in range(count):
                    inbound = n % 2 == 0
                    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18)))
                    yield (tenant.pk, first + i, "inbound" if inbound else "outbound", "web",
                           "customer" if inbound else "ai", body, "", Jsonb({}), at + timedelta(seconds=n), "", "",
                           0)  # fmt: skip

        _copy(raw, "conversations_message",
              ("tenant_id", "conversation_id", "direction", "channel", "sender_kind", "body", "provider_message_id",
               "metadata", "created_at", "delivery_status", "delivery_error", "delivery_attempts"),
              messages())  # fmt: skip
        _copy(raw, "conversations_ticket",
              ("tenant_id", "customer_id", "conversation_id", "subject", "category", "priority", "severity", "status",
               "order_number", "clarification_needed", "sla_due_at", "created_at", "updated_at"),
              ((tenant.pk, first_customer + i % customers, first + i, f"Question {i}", rng.choice(WORDS),
                rng.choice(("low", "normal", "high", "urgent")), "low", "open", "", False,
                now + timedelta(minutes=rng.randint(-600, 600)) if i % 3 == 0 else None, now, now)
               for i in range(CONVERSATIONS)))  # fmt: skip
    sort_keys_rebuild(tenant_ids=[tenant.pk])  # COPY went around the services that keep them
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load


def timed(client, url: str, params: dict) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url, params)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed, len(captured.captured_queries)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    django_env.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from conversations.models import Conversation

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rng = random.Random(11)
    started = time.perf_counter()
    for slug in ("bench-a", "bench-b"):
        seed(slug, rng)
    seeded_s = time.perf_counter() - started
    seeding = f"seeded with COPY in {seeded_s:.0f} s" if seeded_s > 5 else "seeded with COPY by an earlier run"
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-a-agent"))
    inbox = reverse("dashboard:inbox")
    first_page, queries = [], set()
    for _ in range(RUNS):
        ms, count = timed(client, inbox, {"view": "all"})
        first_page.append(ms)
        queries.add(count)
    search = [timed(client, inbox, {"view": "all", "q": " ".join(rng.sample(WORDS, 2))})[0] for _ in range(RUNS)]
    # Two of the 40 words the messages are made of match most conversations; a customer's name a few.
    named = [timed(client, inbox, {"view": "all", "q": f"Shopper {rng.randrange(CONVERSATIONS // 2)}"})[0]
             for _ in range(RUNS)]  # fmt: skip
    long_ones = list(
        Conversation.objects.filter(tenant__slug="bench-a").order_by("id").values_list("pk", flat=True)[:LONG]
    )
    workspace = [timed(client, reverse("dashboard:conversation", args=[rng.choice(long_ones)]), {})[0]
                 for _ in range(RUNS)]  # fmt: skip
    rows = [
        ("inbox, first page (50 rows)", first_page, 50),
        ("search, two common words (websearch)", search, 150),
        ("search, a customer's name", named, 150),
        ("workspace, 200 timeline items", workspace, 80),
    ]
    table = "\n".join(
        f"| {name} | {statistics.median(v):.1f} | {p95(v):.1f} | {goal} | {'met' if p95(v) < goal else '**not met**'} |"
        for name, v, goal in rows
    )
    write_section(
        "dashboard",
        f"""## The staff dashboard at scale (`python -m bench.dashboard`)

Two stores of {CONVERSATIONS:,} conversations and {CONVERSATIONS * MESSAGES_PER:,} messages each ({seeding}),
half of them open, a tenth snoozed; a ticket per conversation; {LONG} conversations of
200 messages. Server time through Django's test client (middleware, queries, template), signed
in as the store's agent, {RUNS} requests each.

| page | p50 ms | p95 ms | goal p95 ms | |
|---|---|---|---|---|
{table}

The inbox page made {json.dumps(sorted(queries))} queries whatever the rows: the page's ids in order (by an
index), their facts (subqueries of one query), four for the view counts, and the session, the member's
stores, mentions and the staff list. Of its time, the view counts' read of the open rows is the
largest part (some 10 ms for 60,000 open and snoozed conversations); the rest is Django rendering.""",
    )


if __name__ == "__main__":
    main()
