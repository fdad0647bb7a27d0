from django.apps import AppConfig


class HitlConfig(AppConfig):
    name = "hitl"
    verbose_name = "Review queue and SLAs"

    def ready(self) -> None:
        # orders sits below hitl: a refund that must wait is queued through its hook.
        from conversations import hooks as conversation_hooks
        from hitl import sla
        from hitl.services import refund_review_queue, refund_review_withdraw
        from orders import hooks

        hooks.refund_reviewer_register(refund_review_queue)
        hooks.refund_withdrawn_register(refund_review_withdraw)
        # conversations sits below hitl too: the SLA clocks hear its replies and tickets.
        conversation_hooks.on_message_stored(sla.message_received)
        conversation_hooks.on_message_sent(sla.message_sent)
        conversation_hooks.on_ticket_opened(sla.ticket_opened)
        conversation_hooks.on_ticket_handed_off(sla.ticket_handed_off)
        conversation_hooks.on_ticket_handed_back(sla.ticket_handed_back)
        conversation_hooks.on_ticket_status_changed(sla.ticket_status_changed)
