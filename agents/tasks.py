"""Celery tasks of the agent engine: thin, taking ids, idempotent."""

from celery import shared_task

from agents.engine import turn_run


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=110, time_limit=140, ignore_result=True)
def run_turn(conversation_id: int, flush: bool = False) -> str:
    """Answer the conversation's unanswered messages. Runs once per inbound message (debounced
    by the batch window); a duplicate or re-delivered task finds nothing left to answer."""
    outcome = turn_run(conversation_id=conversation_id, flush=flush)
    if outcome.status == "busy":
        # Another turn holds the conversation; messages it did not include are answered by
        # this one once it can take the lock, so nothing is dropped.
        run_turn.apply_async((conversation_id,), {"flush": flush}, countdown=outcome.retry_in)
    return outcome.status


@shared_task(ignore_result=True)
def answer_stragglers() -> int:
    """A safety net for turns whose task was lost (a broker restart, a crash before the task
    was queued): any AI conversation with a message unanswered past its maximum wait plus a
    minute gets its turn queued again. Harmless when the turn is merely running."""
    from agents.engine.stragglers import conversations_waiting_too_long

    conversation_ids = conversations_waiting_too_long()
    for conversation_id in conversation_ids:
        run_turn.delay(conversation_id, flush=True)
    return len(conversation_ids)
