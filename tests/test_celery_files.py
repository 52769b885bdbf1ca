"""`make run`'s Celery worker with its beat keeps its files under var/, never in the directory it starts from."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from config.env import VAR_DIR

ROOT = Path(__file__).resolve().parents[1]


def test_the_worker_and_beat_write_their_state_under_var_only(tmp_path):
    started = time.time() - 1
    queue = f"files-test-{uuid.uuid4().hex[:8]}"  # a queue of its own: its exchange table is written afresh
    table = VAR_DIR / "broker" / "control" / f"{queue}.exchange"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}  # the filesystem broker
    env["PYTHONPATH"] = str(ROOT)
    celery = Path(sys.executable).with_name("celery")
    process = subprocess.Popen(
        [str(celery), "-A", "config", "worker", "--beat", "--pool=solo", "-Q", queue, "--loglevel=WARNING"],
        cwd=tmp_path,  # any working directory: the Makefile's is the repository root
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def written(pattern):
        return [p for p in VAR_DIR.glob(pattern) if p.stat().st_mtime >= started]

    try:
        deadline = time.monotonic() + 60
        while not (written("celerybeat-schedule*") and table.exists()):
            assert process.poll() is None, "the worker stopped"
            assert time.monotonic() < deadline, "the worker wrote neither its beat schedule nor its exchange table"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        table.unlink(missing_ok=True)
    assert list(tmp_path.iterdir()) == []
