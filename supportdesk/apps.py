from django.apps import AppConfig


class SupportdeskConfig(AppConfig):
    """Project wiring: health checks and the demo-data command live here."""

    name = "supportdesk"
    verbose_name = "Supportdesk"
