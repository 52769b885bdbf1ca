"""A bcrypt(10) login against PostgreSQL under load: the real `pg` in warm isolates with the host's
native `bcrypt` (and with the pure-JS `bcryptjs`, today's figure), next to the same login function in
plain Node with the real `pg` and native `bcrypt` (the limit) or `bcryptjs`. Each runs one stream of
logins per core for a fixed time, after the same logins untimed for a while (bench.support.timed_streams:
a long-lived worker's figures, not its first seconds); creates and drops its own table.

Target (issue 12): scriptd with native bcrypt >= 95 % of plain Node with native bcrypt.
"""

import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.support import (
    EMAIL,
    PASSWORD,
    PG_URL,
    WARM_UP_SECONDS,
    legacy_users_table,
    scriptd_cpu_ms,
    scriptd_in,
    timed_streams,
)
from scriptd_client import client as scriptd
from scriptd_client.node import scriptd_node
from scripts_editor.scripts import BY_KEY

SECONDS = 5.0
ROUNDS = 3

LOGIN_FACTS = BY_KEY["login"].for_scriptd()  # what scriptd is told about the login script

# One function, run in both places: only where `pool` and `bcrypt` come from differs. compareSync keeps
# the hash one uninterrupted computation in both; bcryptjs's async compare slices it differently per host.
LOGIN = """
async function login(email, password, callback) {
  const { rows } = await pool.query('SELECT id, email, password FROM %(table)s WHERE email = $1', [email]);
  if (!rows.length || !bcrypt.compareSync(password, rows[0].password)) return callback(new WrongUsernameOrPasswordError(email));
  callback(null, { user_id: String(rows[0].id), email: rows[0].email });
}"""
BRIDGED = (
    """
const bcrypt = require('%(bcrypt)s');
global.pool = global.pool || new (require('pg').Pool)({ connectionString: '%(url)s', max: 2 });
var pool = global.pool;
"""
    + LOGIN
)
# Plain Node: a loop of logins for SECONDS, printing each latency (ms) as JSON.
PLAIN = (
    """
const bcrypt = require('%(bcrypt)s');
const pool = new (require('pg').Pool)({ connectionString: '%(url)s', max: 2 });
class WrongUsernameOrPasswordError extends Error {}
"""
    + LOGIN
    + """
const once = () => new Promise((resolve, reject) => login('%(email)s', '%(password)s', (err, user) => (err || !user ? reject(err) : resolve(user))));
(async () => {
  for (const warm = Date.now() + %(warm_ms)d; Date.now() < warm; ) await once();
  const times = [];
  const begun = Date.now();
  const end = begun + %(ms)d;
  while (Date.now() < end) {
    const started = process.hrtime.bigint();
    await once();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const seconds = (Date.now() - begun) / 1000; // closing the pool is not part of the timed logins
  await pool.end();
  process.stdout.write(JSON.stringify({ times, seconds }));
})();
"""
)


def _fnv_worker(connection_id: str, workers: int) -> int:
    """The worker scriptd routes a connection's warm runs to (FNV-1a, as src/supervisor does)."""
    h = 0x811C9DC5
    for ch in connection_id:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h % workers


def _connections_on_distinct_workers(workers: int) -> list[str]:
    chosen: dict[int, str] = {}
    for i in range(1000):
        chosen.setdefault(_fnv_worker(f"bench-login-{i}", workers), f"bench-login-{i}")
        if len(chosen) == workers:
            break
    return list(chosen.values())


def _line(label: str, times: list[float], per_second: float) -> str:
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    return f"  {label:<44} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   {per_second:7.1f}/s"


def _bridged(socket_path: str, source: str, streams: int, mark=lambda moment: None) -> tuple[list[float], float]:
    connections = _connections_on_distinct_workers(streams)

    def once(connection: str) -> None:
        outcome = scriptd.run_script_collect(
            **LOGIN_FACTS,
            source=source,
            args=[EMAIL, PASSWORD],
            mode="warm",
            connection_id=connection,
            socket_path=socket_path,
            egress_allowlist=["127.0.0.1:5432"],
        )
        if outcome.status != "ok":
            raise SystemExit(f"bridged login failed: {outcome.result}")

    return timed_streams(once, connections, SECONDS, mark)


def _plain(source: str, streams: int) -> tuple[list[float], float]:
    sandbox_dir = scriptd.SANDBOX_DIR
    processes = [
        subprocess.Popen([scriptd_node(), "-e", source], cwd=sandbox_dir, stdout=subprocess.PIPE)
        for _ in range(streams)
    ]
    # Each process times its own loop, so Node's start-up does not understate the limit.
    reports = [json.loads(p.communicate(timeout=WARM_UP_SECONDS + SECONDS + 60)[0]) for p in processes]
    times = [t for report in reports for t in report["times"]]
    return times, sum(len(report["times"]) / report["seconds"] for report in reports)


def _native_round(socket_path: str, fields: dict, streams: int, scriptd_first: bool):
    """One round of native bcrypt on both sides; which goes first alternates between rounds, so a drift of
    the machine favours neither. Also returns the CPU (ms per timed login, by thread name) scriptd and this
    client used around the timed logins."""
    snapshots = {}

    def mark(moment: str) -> None:
        snapshots[moment] = (scriptd_cpu_ms(socket_path), time.process_time() * 1000)

    measure = {
        "scriptd": lambda: _bridged(socket_path, BRIDGED % {**fields, "bcrypt": "bcrypt"}, streams, mark),
        "plain": lambda: _plain(PLAIN % {**fields, "bcrypt": "bcrypt"}, streams),
    }
    measured = {side: measure[side]() for side in (("scriptd", "plain") if scriptd_first else ("plain", "scriptd"))}
    logins = len(measured["scriptd"][0])
    (before, client_before), (after, client_after) = snapshots["start"], snapshots["end"]
    used = {name: (after[name] - before.get(name, 0.0)) / logins for name in after}
    used["client"] = (client_after - client_before) / logins
    return measured["scriptd"], measured["plain"], used


def run() -> None:
    streams = os.cpu_count() or 2
    with legacy_users_table("bench_users") as table:
        fields = {
            "table": table,
            "url": PG_URL,
            "ms": SECONDS * 1000,
            "warm_ms": WARM_UP_SECONDS * 1000,
            "email": EMAIL,
            "password": PASSWORD,
        }
        figures = {}
        ratios = []
        cpu: dict[str, float] = {}  # ms per timed login, by thread name
        with tempfile.TemporaryDirectory() as tmp, scriptd_in(Path(tmp), streams) as socket_path:
            # Native bcrypt, the target's figure: rounds, so a slow moment of the machine weighs on one
            # round of one side, not on the verdict (the median of the rounds' ratios).
            for round_ in range(ROUNDS):
                bridged, plain, used = _native_round(socket_path, fields, streams, scriptd_first=round_ % 2 == 0)
                for name, ms in used.items():
                    cpu[name] = cpu.get(name, 0.0) + ms / ROUNDS
                ratios.append(bridged[1] / plain[1])
                for side, (times, rate) in (("scriptd", bridged), ("plain", plain)):
                    kept = figures.setdefault((side, "bcrypt"), ([], []))
                    kept[0].extend(times)
                    kept[1].append(rate)
            figures[("scriptd", "bcryptjs")] = _bridged(
                socket_path, BRIDGED % {**fields, "bcrypt": "bcryptjs"}, streams
            )
        figures[("plain", "bcryptjs")] = _plain(PLAIN % {**fields, "bcrypt": "bcryptjs"}, streams)
    for key in (("scriptd", "bcrypt"), ("plain", "bcrypt")):
        figures[key] = (figures[key][0], statistics.mean(figures[key][1]))
    print(
        f"  bcrypt(10) login against PostgreSQL, {streams} concurrent streams, {SECONDS:.0f} s each"
        f" after {WARM_UP_SECONDS:.0f} s of the same logins untimed; native bcrypt: {ROUNDS} rounds, sides in turn first"
    )
    print(_line("(1) scriptd warm isolate, real pg + native bcrypt", *figures[("scriptd", "bcrypt")]))
    print(_line("(2) plain Node, real pg + native bcrypt (limit)", *figures[("plain", "bcrypt")]))
    print(_line("(3) scriptd warm isolate, real pg + bcryptjs", *figures[("scriptd", "bcryptjs")]))
    print(_line("(4) plain Node, real pg + bcryptjs", *figures[("plain", "bcryptjs")]))
    # What the target comes down to: the CPU scriptd and its client spend per login beside the hash, which
    # competes with the hashing for the cores. Steadier than the ratio on a shared machine.
    hashing = cpu.pop("libuv-worker", 0.0)
    own = {name: ms for name, ms in cpu.items() if ms >= 0.005}
    parts = ", ".join(f"{name} {ms:.2f}" for name, ms in sorted(own.items(), key=lambda kv: -kv[1]))
    print(
        f"  CPU per native-bcrypt login beside the hash ({hashing:.1f} ms on the thread pool): {sum(own.values()):.2f} ms ({parts})"
    )
    ratio = statistics.median(ratios)
    verdict = "met" if ratio >= 0.95 else "NOT met"
    rounds = ", ".join(f"{r:.1%}" for r in ratios)
    print(
        f"  scriptd's throughput is {ratio:.1%} of plain Node's with native bcrypt (median of rounds: {rounds};"
        f" target >= 95%): {verdict}"
    )
