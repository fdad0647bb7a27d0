"""The turn engine: triage, routing to a profile, the tool loop (LLM or offline), guardrails,
and the reply with its run record. ``turn_run`` is the one entry point; the Celery task and
the ``converse`` command both call it."""

from agents.engine.turn import TurnOutcome, turn_run
from agents.scheduling import window_remaining

__all__ = ["TurnOutcome", "turn_run", "window_remaining"]
