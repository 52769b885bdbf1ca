"""A login against the MongoDB wire peer (tests/fixtures/mongo_peer.py: mockupdb + mongomock, SCRAM-SHA-256):
the MongoDB template's login script (mongodb 6, native bcrypt cost 10) in scriptd, warm and fresh
isolates, next to the same script in plain Node (tests/peers/run_script.js, the catalog's mongodb and
the host's bcrypt, one process calling it in a loop). Every call opens a client, authenticates, finds
the user and checks bcrypt, as the template does. Sequential logins; the peer is Python, so its own
time is part of every figure on both sides.
"""

import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import bcrypt

from bench.support import EMAIL, PASSWORD, scriptd_in
from scriptd_client import client as scriptd
from scriptd_client.node import SANDBOX_DIR, scriptd_node
from scripts_editor.script_templates import template_bodies
from scripts_editor.scripts import BY_KEY
from tests.fixtures.mongo_peer import mongo_peer
from tests.peers.node_packages import package_dir

RUNS = 30
RUNNER = Path(__file__).resolve().parent.parent / "tests" / "peers" / "run_script.js"


def _summary(times: list[float]) -> str:
    times = sorted(times)
    return f"p50 {statistics.median(times):7.1f} ms   p90 {times[int(len(times) * 0.9) - 1]:7.1f} ms   n={len(times)}"


def run() -> None:
    source = template_bodies("mongodb", connection_name="bench")["login"]
    with mongo_peer(user="bench", password="b3nch-pa55") as peer, tempfile.TemporaryDirectory() as tmp:
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()
        peer.client.legacy.users.insert_one(
            {"email": EMAIL, "password": hashed, "nickname": "b", "email_verified": True}
        )
        configuration = {"MONGO_URI": peer.uri("legacy", options="authSource=legacy"), "MONGO_DATABASE": "legacy"}

        with scriptd_in(Path(tmp), 1) as socket_path:
            figures = {}
            for mode in ("warm", "fresh"):

                def call(mode=mode):
                    started = time.perf_counter()
                    out = scriptd.run_script_collect(
                        **BY_KEY["login"].for_scriptd(),
                        source=source,
                        args=[EMAIL, PASSWORD],
                        configuration=configuration,
                        egress_allowlist=[f"127.0.0.1:{peer.port}"],
                        limits=scriptd.Limits(timeout_ms=20000),
                        socket_path=socket_path,
                        mode=mode,
                        revision=1,
                        connection_id="bench-mongo",
                    )
                    assert out.status == "ok", out.result
                    return (time.perf_counter() - started) * 1000

                first = call()
                figures[mode] = (first, [call() for _ in range(RUNS)])

        request = {
            "source": source,
            "function_names": BY_KEY["login"].for_scriptd()["function_names"],
            "args": [EMAIL, PASSWORD],
            "configuration": configuration,
            "modules": {
                "mongodb@6": str(package_dir("mongodb", 6)),
                "bcrypt": str(SANDBOX_DIR / "node_modules" / "bcrypt"),
            },
            "repeat": RUNS + 1,
        }
        done = subprocess.run(
            [scriptd_node(), str(RUNNER)], input=json.dumps(request), capture_output=True, text=True, timeout=300
        )
        plain = json.loads(done.stdout.strip().splitlines()[-1])
        assert plain["status"] == "ok", plain

    print(f"  MongoDB template login (SCRAM-SHA-256 + find + bcrypt 10), {RUNS} sequential logins each:")
    for mode, (first, times) in figures.items():
        print(f"    scriptd {mode:5}   first {first:7.1f} ms   {_summary(times)}")
    print(f"    plain Node      first {plain['ms'][0]:7.1f} ms   {_summary(plain['ms'][1:])}")
