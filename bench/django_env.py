"""Django for benchmarks: its own embedded data dir (var/bench), so `make run` data is untouched."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    os.environ.setdefault("SUPPORTDESK_VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings.base")
    os.environ.setdefault("SUPPORTDESK_DOTENV", os.devnull)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
