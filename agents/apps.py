from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"

    def ready(self) -> None:
        # conversations sits below agents: it calls back through its hook registry.
        from agents.scheduling import turn_flush, turn_schedule
        from agents.services import agent_run_review_decided
        from conversations import hooks
        from hitl import hooks as review_hooks

        hooks.on_message_received(turn_schedule)
        hooks.on_typing_stopped(turn_flush)
        review_hooks.on_review_decided(agent_run_review_decided)
