from django.apps import AppConfig


class HitlConfig(AppConfig):
    name = "hitl"

    def ready(self) -> None:
        # orders sits below hitl: a refund that must wait is queued through its hook.
        from hitl.services import refund_review_queue
        from orders import hooks

        hooks.refund_reviewer_register(refund_review_queue)
