"""Celery tasks of the review queue and SLA clocks: thin, idempotent."""

from celery import shared_task

from hitl import sla


@shared_task(ignore_result=True)
def sla_evaluate() -> dict:
    """Every minute (beat): clocks due soon are warned, clocks past due are breached."""
    found = sla.sla_evaluate()
    return {"warned": len(found["warned"]), "breached": len(found["breached"])}
