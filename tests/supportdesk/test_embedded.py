"""The embedded servers: started once by whichever process comes first, shared, stopped by the last."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import json, sys
from supportdesk import embedded
pg = embedded.postgres()
redis_url = embedded.redis()
print(json.dumps({"pg": pg.socket_dir, "redis": redis_url}), flush=True)
sys.stdin.readline()  # hold the servers until told to exit
"""

WRITER = """
import psycopg, redis
from supportdesk import embedded
pg = embedded.postgres()
with psycopg.connect(host=pg.socket_dir, user=pg.user, dbname=pg.database, autocommit=True) as conn:
    conn.execute("CREATE TABLE IF NOT EXISTS kept (value text)")
    conn.execute("INSERT INTO kept VALUES ('still here')")
redis.Redis.from_url(embedded.redis()).set("kept", "still here")
"""

READER = """
import json, psycopg, redis
from supportdesk import embedded
pg = embedded.postgres()
with psycopg.connect(host=pg.socket_dir, user=pg.user, dbname=pg.database) as conn:
    rows = conn.execute("SELECT value FROM kept").fetchall()
print(json.dumps({"pg": rows[0][0], "redis": redis.Redis.from_url(embedded.redis()).get("kept").decode()}))
"""


def _env(var_dir: Path) -> dict:
    return {**os.environ, "SUPPORTDESK_VAR_DIR": str(var_dir)}


def _postgres_running(var_dir: Path) -> bool:
    return (var_dir / "pgdata" / "postmaster.pid").exists()


def _wait_until(predicate, timeout=15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_processes_starting_at_once_share_one_server_and_the_last_stops_it(tmp_path):
    holders = [
        subprocess.Popen(
            [sys.executable, "-c", HOLDER], cwd=ROOT, env=_env(tmp_path),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        for _ in range(4)
    ]  # fmt: skip
    try:
        seen = [json.loads(holder.stdout.readline()) for holder in holders]
        assert len({item["pg"] for item in seen}) == 1
        assert len({item["redis"] for item in seen}) == 1
        assert len(json.loads((tmp_path / "postgres.holders.json").read_text())) == 4

        # Three leave: the server stays up for the fourth.
        for holder in holders[:3]:
            holder.communicate("\n", timeout=30)
        assert _postgres_running(tmp_path)
        assert Path(seen[0]["redis"].removeprefix("unix://")).exists()

        holders[3].communicate("\n", timeout=30)
        assert _wait_until(lambda: not _postgres_running(tmp_path))
        assert _wait_until(lambda: not Path(seen[0]["redis"].removeprefix("unix://")).exists())
    finally:
        for holder in holders:
            if holder.poll() is None:
                holder.kill()


def test_data_survives_a_stop_and_start(tmp_path):
    subprocess.run([sys.executable, "-c", WRITER], cwd=ROOT, env=_env(tmp_path), check=True, timeout=60)
    assert _wait_until(lambda: not _postgres_running(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", READER], cwd=ROOT, env=_env(tmp_path), check=True, timeout=60,
        capture_output=True, text=True,
    )  # fmt: skip
    assert json.loads(result.stdout) == {"pg": "still here", "redis": "still here"}
