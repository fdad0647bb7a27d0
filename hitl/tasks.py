"""Celery tasks of the review queue and SLA clocks: thin, idempotent."""

from celery import shared_task

from hitl import escalation, sla


@shared_task(ignore_result=True)
def sla_evaluate() -> dict:
    """Every minute (beat): clocks due soon are warned, clocks past due are breached, and each
    sets off its policy's escalation steps."""
    found = sla.sla_evaluate()
    escalation.escalate(**found)
    return {"warned": len(found["warned"]), "breached": len(found["breached"])}
