"""`make run`: the whole product in one terminal.

Starts the embedded PostgreSQL and Redis (unless DATABASE_URL / REDIS_URL are set),
migrates, seeds the demo on first run, then runs the ASGI server, a Celery worker and
Celery beat, waits for /readyz, and prints where to go. Ctrl-C stops every process it
started; the embedded servers stop with the last process that uses them.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings.base")

import django

READY_TIMEOUT_SECONDS = 90


def prepare() -> bool:
    """Migrate, and seed the demo into an empty database. True when it seeded."""
    from django.core.management import call_command

    from knowledge.tasks import index_pending
    from tenants.models import Tenant

    call_command("migrate", interactive=False, verbosity=0)
    # The worker's first job: index and embed anything an upgrade or a lost task left behind.
    index_pending.delay()
    if Tenant.objects.exists():
        return False
    call_command("seed_demo")
    return True


# Database connections per process kind, unless the environment says otherwise. The web server
# keeps a pool (ASGI runs the consumers' database calls on one thread; a new connection per
# call was most of a widget hello's cost); a worker child keeps its one connection between
# tasks (Django's persistent connections are safe there, and not under ASGI).
PROCESS_ENV = {
    "web": {"DATABASE_POOL": os.environ.get("DATABASE_POOL", "true")},
    "worker": {"DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "300")},
    "beat": {},
}


def spawn(host: str, port: str) -> list[subprocess.Popen]:
    python = sys.executable
    commands = [
        [python, "-m", "daphne", "-b", host, "-p", port, "supportdesk.asgi:application"],
        [python, "-m", "celery", "-A", "supportdesk", "worker", "--loglevel", "INFO",
         "--concurrency", os.environ.get("CELERY_CONCURRENCY", "2"), "--hostname", "worker@%h"],
        [python, "-m", "celery", "-A", "supportdesk", "beat", "--loglevel", "INFO",
         "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"],
    ]  # fmt: skip
    # Own process group: Ctrl-C reaches only this supervisor, which stops the children in
    # order with one SIGTERM each, instead of every process racing its own shutdown.
    envs = [{**os.environ, **PROCESS_ENV[name]} for name in ("web", "worker", "beat")]
    return [subprocess.Popen(command, process_group=0, env=env) for command, env in zip(commands, envs, strict=True)]


def wait_ready(url: str, processes: list[subprocess.Popen]) -> dict | None:
    import json

    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    body = None
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return None
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            body = json.load(exc)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    return body


def banner(base_url: str, seeded: bool) -> str:
    from supportdesk.demo import DEMO_LOGINS, DEMO_PASSWORD

    lines = [
        "",
        "Supportdesk is up" + (" (demo data seeded)" if seeded else ""),
        f"  Dashboard:  {base_url}/dashboard/   (the staff inbox: sign in as agent)",
        f"  Admin:      {base_url}/admin/",
        f"  Demo store: {base_url}/demo/   (the chat widget, as a store embeds it)",
        f"  Readiness:  {base_url}/readyz",
        "  Demo logins (password: " + DEMO_PASSWORD + "):",
        *[f"    {username:<10} {role}" for username, role in DEMO_LOGINS],
        "Press Ctrl-C to stop.",
        "",
    ]
    return "\n".join(lines)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def port_free(host: str, port: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as daphne binds
        try:
            probe.bind((host, int(port)))
        except OSError:
            return False
    return True


def main() -> int:
    django.setup()  # starts (or joins) the embedded servers; this process holds them to the end
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    base_url = f"http://{host}:{port}"
    if not port_free(host, port):
        # Otherwise daphne fails a moment later, buried in the log, and another server's
        # /readyz would answer for it.
        print(
            f"Port {port} on {host} is already in use: is Supportdesk (or something else) already running? "
            f"Stop it, or pick another port: PORT=8001 make run",
            file=sys.stderr, flush=True,
        )  # fmt: skip
        return 1
    seeded = prepare()
    from supportdesk.demo.loader import demo_origins_follow

    demo_origins_follow(host=host, port=port)  # the demo page's widget works on this HOST and PORT
    processes = spawn(host, port)
    # Ctrl-C stops everything even when started from a shell that ignores SIGINT in the
    # background, and SIGTERM (a process manager) does the same.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        status = wait_ready(f"{base_url}/readyz", processes)
        if status and status.get("status") == "ok":
            print(banner(base_url, seeded), flush=True)
        else:
            print(f"Supportdesk did not become ready: {status}", file=sys.stderr, flush=True)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        print("A process exited; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping Supportdesk…", flush=True)
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
