"""How long `make run` takes to be ready, cold (empty data dir) and warm (second run), and to stop.

Runs `python -m supportdesk.run` on a scratch data dir and port, so it never touches var/.
Goal (issue 2): a second `make run` is up in under 15 seconds.
"""

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
PORT = "8799"
WARM_RUNS = 3


def start_and_stop(var_dir: str) -> tuple[float, float]:
    env = {**os.environ, "SUPPORTDESK_VAR_DIR": var_dir, "PORT": PORT, "SUPPORTDESK_DOTENV": os.devnull}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "supportdesk.run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    for line in process.stdout:
        if "Supportdesk is up" in line:
            break
        if "did not become ready" in line:
            raise RuntimeError(line)
    else:
        raise RuntimeError("supportdesk.run exited before it was ready")
    ready = time.perf_counter() - started
    stopping = time.perf_counter()
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    stopped = time.perf_counter() - stopping
    return ready, stopped


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sd-bench-") as var_dir:
        cold_ready, cold_stop = start_and_stop(var_dir)
        warm = [start_and_stop(var_dir) for _ in range(WARM_RUNS)]
    warm_ready = [r for r, _ in warm]
    warm_stop = [s for _, s in warm]
    median_ready, median_stop = statistics.median(warm_ready), statistics.median(warm_stop)
    body = f"""## Start-up (`make run`)

Command: `make bench` (runs `python -m bench.startup`): `python -m supportdesk.run` on a scratch
data dir, timed from launch to the "Supportdesk is up" banner (printed once `/readyz` answers
200: database, pgvector, migrations, Redis and a Celery worker all ok), then Ctrl-C (SIGINT)
until every process has exited. Excludes creating `.venv` and installing requirements.

| run | ready in | stopped in |
|---|---|---|
| cold: empty data dir (initdb, migrate, seed the demo) | {cold_ready:.1f} s | {cold_stop:.1f} s |
| warm: second and later runs, median of {WARM_RUNS} | {median_ready:.1f} s | {median_stop:.1f} s |
| warm: slowest | {max(warm_ready):.1f} s | {max(warm_stop):.1f} s |

Goal: a second `make run` is up in under 15 s.
"""
    write_section("startup", body)
    print(body)


if __name__ == "__main__":
    main()
