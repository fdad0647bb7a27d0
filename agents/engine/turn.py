"""One agent turn on a conversation: answer every inbound message not answered yet.

Safe to run twice, concurrently or after a crash:
- a PostgreSQL advisory lock per conversation lets one turn run at a time; the database drops
  it when a worker dies, so a re-delivered task can take over at once;
- the turn key (conversation and last inbound message) is the same on a re-run, and acting
  tools derive idempotency keys from it, so a refund is never issued twice;
- the reply, the answered-through mark and the run's outcome commit together at the end.
"""

import logging
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agents.confirmation import (
    asks_yes,
    confirmation_reply,
    is_explicit_yes,
    outcome_reply,
    without_yes_requests,
)
from agents.engine.budget import BudgetExhausted, TurnBudget
from agents.engine.context import ENGINE_INSTRUCTIONS, Turn
from agents.engine.entities import bare_reference
from agents.engine.llm import OutOfSteps, llm_reply
from agents.engine.offline import HANDED_OFF, offline_reply
from agents.engine.recorder import TurnRecorder
from agents.guardrails import input_flags, outbound_check, output_check
from agents.models import AgentProfile, AgentRun
from agents.providers.base import AllProvidersFailed
from agents.providers.router import configured_providers
from agents.scheduling import window_remaining
from agents.tools import ToolContext
from agents.triage import triage
from conversations import services as conversation_services
from conversations.models import Conversation, Message
from conversations.services import MAX_MESSAGE_CHARS, WEAK_CATEGORIES
from supportdesk.errors import ApplicationError
from tenants.services import usage_record

logger = logging.getLogger(__name__)
LOCK_NAMESPACE = 7301  # pg_advisory_lock(namespace, conversation id): one turn per conversation
SORRY = HANDED_OFF  # a clean handoff, never "something went wrong"
OUT_OF_STEPS = "I couldn't finish this on my own, so " + HANDED_OFF[0].lower() + HANDED_OFF[1:]


@dataclass(frozen=True)
class TurnOutcome:
    status: str  # answered, waiting, busy, nothing, human, missing
    run: AgentRun | None = None
    reply: Message | None = None
    retry_in: float = 0.0


@contextmanager
def conversation_lock(conversation_id: int):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, conversation_id])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, conversation_id])


def turn_run(*, conversation_id: int, flush: bool = False) -> TurnOutcome:
    """Answer the conversation's unanswered messages, unless its batch window is still open
    (``flush`` closes it early: the shopper stopped typing, or a command runs the turn)."""
    with conversation_lock(conversation_id) as acquired:
        if not acquired:
            return TurnOutcome("busy", retry_in=1.0)
        # Read under the lock: a turn that just finished has moved answered_through_id on.
        conversation = Conversation.objects.select_related("tenant", "customer").filter(pk=conversation_id).first()
        if conversation is None:
            return TurnOutcome("missing")
        if conversation.handled_by == Conversation.HandledBy.HUMAN:
            return TurnOutcome("human")
        messages = list(
            Message.objects.filter(
                conversation=conversation, direction=Message.Direction.INBOUND, pk__gt=conversation.answered_through_id
            ).order_by("id")
        )
        if not messages:
            return TurnOutcome("nothing")
        remaining = window_remaining(conversation.tenant, messages)
        if not flush and remaining > 0.05:
            return TurnOutcome("waiting", retry_in=remaining)
        return _answer(conversation, messages)


def _start(conversation: Conversation, messages: list[Message]) -> Turn:
    turn_key = f"c{conversation.pk}:m{messages[-1].pk}"
    fields = {"tenant_id": conversation.tenant_id, "conversation": conversation, "turn_key": turn_key}
    try:
        with _own_statement():
            run = AgentRun.objects.create(**fields, provider="offline")
    except IntegrityError:
        # A run of this same turn still marked running belongs to a worker that died mid-turn.
        AgentRun.objects.filter(conversation=conversation, turn_key=turn_key, status=AgentRun.Status.RUNNING).update(
            status=AgentRun.Status.FAILED,
            error="The worker stopped mid-turn; the turn ran again.",
            finished_at=timezone.now(),
        )
        run = AgentRun.objects.create(**fields, provider="offline")
    state = dict(conversation.agent_state or {})
    pending = state.pop("pending_action", None)
    context = ToolContext(
        tenant=conversation.tenant, customer=conversation.customer, verified=conversation.customer_verified,
        conversation=conversation, turn_key=turn_key, pending_action=pending,
        customer_confirmed=_answers(pending, messages),
    )  # fmt: skip
    recorder = TurnRecorder(run, TurnBudget.start(conversation.tenant) if configured_providers() else None)
    turn = Turn(conversation=conversation, messages=messages, context=context, recorder=recorder, state=state)
    context.outbound_guard = lambda text: _outbound(turn, text)
    turn.recorder.publish("turn.started", {"run_id": run.pk, "message_ids": [m.pk for m in messages]})
    return turn


def _own_statement():
    """A statement that may fail without spoiling what runs after it: in autocommit (a worker)
    it is its own transaction; inside an open one (a command, a test) it gets a savepoint."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def _answers(pending: dict | None, messages: list[Message]) -> bool:
    """Is this turn an explicit yes to ``pending``, asked in the last message the shopper got
    before writing? A yes after a staff reply, a follow-up or any other message answers that."""
    order = str((pending or {}).get("arguments", {}).get("order_number") or "")
    if not pending or not all(
        is_explicit_yes(m.body, tool=pending.get("tool", ""), order_number=order) for m in messages
    ):
        return False
    asked_last = (
        Message.objects.filter(
            conversation_id=messages[0].conversation_id, direction=Message.Direction.OUTBOUND, pk__lt=messages[0].pk
        )
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return asked_last is not None and asked_last == pending.get("asked_in")


def _run_confirmed(turn: Turn, profile: AgentProfile | None) -> None:
    """Do exactly what the shopper said yes to: the pending action's tool with its arguments, as
    the profile able to run it. The yes is then spent: whatever else the model proposes in this
    turn needs a yes of its own."""
    context = turn.context
    if not (context.customer_confirmed and context.pending_action):
        return
    previous, context.profile = context.profile, profile
    try:
        pending = context.pending_action
        turn.confirmed = turn.recorder.tool(context, pending["tool"], pending["arguments"])
    finally:
        context.profile, context.customer_confirmed = previous, False


def _triage(turn: Turn) -> None:
    if turn.context.customer_confirmed:
        return  # "yes" is an answer, not a new request: the ticket keeps its category
    try:
        budget = turn.recorder.budget
        llm = budget is not None and budget.llm_allowed(tokens=0, cost=Decimal("0"))
        turn.triage = triage(
            tenant=turn.tenant, text=turn.text, llm=llm, on_llm_response=turn.recorder.llm,
            deadline=budget.deadline if budget is not None else None,
        )  # fmt: skip
    except ApplicationError:
        return
    turn.recorder.run.triage = turn.triage.as_dict()
    if bare_reference(turn.text) and turn.conversation.tickets.exists():
        return  # "ORD-1004" answers "which order?": the request, and the ticket's category, stay
    conversation_services.ticket_triage_save(conversation=turn.conversation, **turn.triage.as_dict())


def route(turn: Turn) -> AgentProfile | None:
    """The supervisor's choice: the intent's target profile when triage is sure of it, else the
    specialist already on the case for a vague follow-up, else the supervisor itself (which may
    consult specialists), else any active specialist."""
    profiles = [p for p in turn.profiles if p.active]
    by_id = {p.pk: p for p in profiles}
    pending = turn.context.pending_action
    if turn.context.customer_confirmed and pending:
        # "Yes" to a proposal: the profile that may run the proposed tool carries it out.
        able = [p for p in profiles if pending["tool"] in p.allowed_tools]
        if able:
            # The most careful of them: a lower refund limit than the one it was proposed under
            # may send it to review; a higher one must never skip review.
            def careful(p):
                limit = p.refund_auto_approve_limit
                return (limit is None, limit or 0, p.role != AgentProfile.Role.SPECIALIST, p.name)

            return sorted(able, key=careful)[0]
    intent = turn.triage.intent if turn.triage else None
    if intent is not None and intent.target_profile_id in by_id and not turn.triage.clarification_needed:
        return by_id[intent.target_profile_id]
    vague = turn.triage is None or turn.triage.category in WEAK_CATEGORIES or turn.triage.clarification_needed
    if vague and turn.state.get("profile_id") in by_id:
        # A follow-up ("what do you mean?") stays with the specialist already on the case.
        return by_id[turn.state["profile_id"]]
    for role in (AgentProfile.Role.SUPERVISOR, AgentProfile.Role.SPECIALIST):
        candidates = [p for p in profiles if p.role == role]
        if candidates:
            return candidates[0]
    return None


def _compose(turn: Turn) -> tuple[str, AgentProfile | None]:
    profile = route(turn)
    _run_confirmed(turn, profile)
    if configured_providers() and profile is not None:
        try:
            text = llm_reply(turn, profile, on_text=_streamer(turn) if settings.LLM_STREAM else None)
            if text:
                return text, profile
            turn.flags.append("llm_empty_reply")
        except AllProvidersFailed as error:
            turn.flags.append(error.flag if isinstance(error, BudgetExhausted) else "llm_unavailable")
            turn.recorder.run.error = str(error)[:2000]
        except OutOfSteps:
            # The engine's own handoff, not a tool call of the model's: no budget the model spent
            # (its tool calls, its actions) may stop the reply's promise from coming true.
            turn.flags.append("out_of_steps")
            _hand_off(turn, f"The AI ran out of steps on: {turn.text[:300]}")
            return OUT_OF_STEPS, profile
        except Exception as error:  # whatever a hostile answer broke: the offline agent answers
            logger.exception("the LLM path failed on conversation %s", turn.conversation.pk)
            turn.flags.append("llm_failed")
            turn.recorder.run.error = f"{type(error).__name__}: {error}"[:2000]
    # The offline agent acts through the intent's specialist tools, or all tools when none is set.
    # What the model proposed before it failed is not on offer: the offline agent's reply is.
    turn.offline_from = len(turn.recorder.calls)
    turn.context.profile = profile if profile is not None and profile.role == AgentProfile.Role.SPECIALIST else None
    turn.recorder.run.provider, turn.recorder.run.model = "offline", ""
    return offline_reply(turn), turn.context.profile


def _answer(conversation: Conversation, messages: list[Message]) -> TurnOutcome:
    turn = _start(conversation, messages)
    run = turn.recorder.run
    turn.flags.extend(input_flags(turn.text))
    try:
        _triage(turn)
        text, profile = _compose(turn)
        run.profile = profile
        if profile is not None and profile.role == AgentProfile.Role.SPECIALIST:
            turn.state["profile_id"] = profile.pk
    except Exception as error:  # never silent: apologise, hand off, and keep the trail
        logger.exception("agent turn failed on conversation %s", conversation.pk)
        run.error = f"{type(error).__name__}: {error}"[:2000]
        turn.flags.append("turn_failed")
        text = SORRY
        _hand_off(turn, f"The AI failed on this conversation: {type(error).__name__}")
    return _finish(turn, text)


def _hand_off(turn: Turn, reason: str) -> None:
    conversation = turn.conversation
    try:
        conversation_services.ticket_escalate(
            tenant=conversation.tenant, customer=turn.context.customer or conversation.customer,
            conversation=conversation, reason=reason, priority="high",
        )  # fmt: skip
        turn.escalated = True
    except Exception:
        logger.exception("could not escalate conversation %s", conversation.pk)


def _guarded(turn: Turn) -> dict:
    """What the output guard weighs every outbound word against, as the turn stands now."""
    return {
        "tenant_id": turn.tenant.pk, "customer": turn.context.customer,
        "instructions": "\n".join([*(p.instructions for p in turn.profiles), ENGINE_INSTRUCTIONS]),
        "calls": [(name, args, result.status, result.data) for name, args, result in turn.recorder.calls],
        "done_before": lambda: turn.done_before, "shopper_text": turn.text, "handed_off": turn.escalated,
    }  # fmt: skip


def _check(turn: Turn, text: str):
    # An unconfirmed claim is replaced by what a tool of this turn said, or just left out.
    return output_check(text=text, fallback=_fallback(turn), instead_of_claims=_tool_said(turn), **_guarded(turn))


def _outbound(turn: Turn, text: str) -> tuple[str, list[str]]:
    """A follow-up's body or subject, through the same checks as the reply; and it may not ask
    for a yes (only the engine's own question in the conversation does)."""
    checked = outbound_check(text=without_yes_requests(_bounded(text)), **_guarded(turn))
    turn.flags.extend(checked.flags)
    return checked.text, checked.flags


def _streamer(turn: Turn):
    """Partial reply text for the live channels, released only while it passes the guardrails."""

    def passes(text: str) -> bool:
        if len(text) > MAX_MESSAGE_CHARS or asks_yes(text):
            return False  # too long to send whole; or a question only the engine may ask
        if turn.recorder.last("needs_confirmation") is not None:
            return False  # the reply will carry the engine's own question: the final message says it
        checked = _check(turn, text)
        return not checked.flags and checked.text == text

    return lambda delta: turn.recorder.stream(delta, passes)


def _finish(turn: Turn, text: str) -> TurnOutcome:
    run, recorder = turn.recorder.run, turn.recorder
    checked = _check(turn, _bounded(text))
    turn.flags.extend(checked.flags)
    text = checked.text
    if turn.confirmed is not None and run.provider != "offline":
        # What the yes did is told by code: a model may not hide it, or deny it.
        text = outcome_reply(text, turn.confirmed.data.get("message") or "Done.")
    pending = _pending(turn)
    if pending is not None:
        # The question the shopper's yes will answer is written here, from the pending action;
        # the prose before it gives way when the whole would be longer than a message may be.
        asked = confirmation_reply(text, pending, trusted=run.provider == "offline")
        if len(asked) > MAX_MESSAGE_CHARS:
            room = MAX_MESSAGE_CHARS - (len(asked) - len(text)) - 1
            asked = confirmation_reply(_bounded(text, limit=max(room, 0)), pending, trusted=run.provider == "offline")
        text = asked
    handed_off = turn.escalated or "escalate_to_human" in recorder.succeeded()
    try:
        with transaction.atomic():
            conversation = turn.conversation
            reply = conversation_services.message_reply_create(
                conversation=conversation, body=text, channel=turn.messages[-1].channel,
                metadata={"run_id": run.pk}, touch_conversation=False,
            )  # fmt: skip
            if pending is not None:
                turn.state["pending_action"] = {**pending, "asked_in": reply.pk}
            # One UPDATE of just the turn's fields: the advisory lock already keeps other turns
            # out, and staff edits to other fields (status, assignee) made meanwhile stay.
            changes = {
                "answered_through_id": turn.messages[-1].pk, "agent_state": turn.state,
                "last_message_at": timezone.now(), "updated_at": timezone.now(),
            }  # fmt: skip
            updated = Conversation.objects.filter(pk=conversation.pk)
            if not handed_off:
                changes["waiting_since"] = None  # the AI's reply answers the shopper
                # Unless this turn handed it to a person itself, the reply is the AI's to send
                # only while the AI still has the conversation: a person who took it over
                # meanwhile answers instead (the UPDATE waits for their commit, then sees it).
                updated = updated.filter(handled_by=Conversation.HandledBy.AI)
            if not updated.update(**changes):
                raise _TakenOver  # the reply rolls back, and nothing about it is sent
            for field, value in changes.items():
                setattr(conversation, field, value)
            _run_close(turn, AgentRun.Status.ESCALATED if turn.escalated else AgentRun.Status.SUCCEEDED)
            recorder.publish("reply.done", {"run_id": run.pk, "message_id": reply.pk})
    except _TakenOver:
        return _discard(turn)
    return TurnOutcome("answered", run=run, reply=reply)


class _TakenOver(Exception):
    pass


def _discard(turn: Turn) -> TurnOutcome:
    """A person took the conversation over while the turn ran: the reply is not sent, and the
    messages it answered are theirs (handed back, the AI answers only what comes next). What
    the turn's tools did stays on its run, for the person to see."""
    turn.state.pop("pending_action", None)  # asked nowhere: no yes can confirm it
    with transaction.atomic():
        Conversation.objects.filter(pk=turn.conversation.pk).update(
            answered_through_id=turn.messages[-1].pk, agent_state=turn.state, updated_at=timezone.now()
        )
        _run_close(turn, AgentRun.Status.DISCARDED)
        turn.recorder.publish("reply.discarded", {"run_id": turn.recorder.run.pk})
    return TurnOutcome("human", run=turn.recorder.run)


def _run_close(turn: Turn, status: str) -> None:
    run, recorder = turn.recorder.run, turn.recorder
    run.status, run.finished_at = status, timezone.now()
    run.tokens_in, run.tokens_out, run.cost = recorder.tokens_in, recorder.tokens_out, recorder.cost
    if run.tokens_in or run.tokens_out or run.cost:
        usage_record(tenant=turn.tenant, tokens=run.tokens_in + run.tokens_out, cost=run.cost)
    run.flags = sorted(set(turn.flags))
    run.save()


def _bounded(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A reply no longer than ``limit`` (a message's): cut at the last sentence that fits."""
    if len(text) <= limit:
        return text
    if limit < 2:
        return ""
    head = text[: limit - 1]
    cut = max(head.rfind(mark) for mark in (". ", "! ", "? ", "\n"))
    return (head[: cut + 1] if cut > limit // 2 else head).rstrip() + "…"


def _pending(turn: Turn) -> dict | None:
    """The action a yes to this reply would confirm: the turn's last proposal (or the one the
    offline agent kept on offer). None once the conversation went to a person."""
    offered = turn.state.pop("pending_action", None)
    if turn.escalated or "escalate_to_human" in turn.recorder.succeeded():
        return None  # a person has it now: a later yes is theirs to act on
    proposals = [c[2].data["pending_action"] for c in turn.recorder.calls[turn.offline_from :]
                 if c[2].status == "needs_confirmation"]  # fmt: skip
    done = turn.context.pending_action if turn.confirmed is not None else None
    if done is not None:
        # What the yes just did is never offered again in the same turn ("it failed, try again?").
        proposals = [p for p in proposals if (p["tool"], p["arguments"].get("order_number")) !=
                     (done["tool"], done["arguments"].get("order_number"))]  # fmt: skip
    if proposals:
        return proposals[-1]
    return offered


# Results whose message is a note to the model ("Ask the shopper for...", "This turn made 20 tool
# calls; answer with what you have"), never words for the shopper.
FOR_THE_MODEL = ("needs_verification", "denied")


def _tool_said(turn: Turn) -> str:
    """The last tool result's message this turn, verbatim, when it was written for the shopper
    ("" when no tool said anything they should read)."""
    last = turn.recorder.last()
    if last is None or last[2].status in FOR_THE_MODEL or last[2].data.get("code") == "limit_reached":
        return ""
    return last[2].data.get("message") or ""


def _fallback(turn: Turn) -> str:
    """What to say when the composed reply cannot be sent: the last tool result, verbatim."""
    return _tool_said(turn) or (
        "Sorry, I can't help with that here. Is there anything else about your orders or our products?"
    )
