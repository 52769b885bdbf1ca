"""An isolate never runs with another run's configuration: it keeps the configuration (and options) of its first
run for its life, so scriptd binds it to them and gives a run with another configuration another isolate."""

import json
import subprocess
from pathlib import Path

import pytest

from scriptd_client import client as scriptd
from scriptd_client.node import scriptd_node
from tests.fixtures import wait_for

# Upper case: a result string that is a configuration value comes back masked.
SHOW = """function login(e, p, cb) {
  global.runs = (global.runs || 0) + 1;
  cb(null, [configuration.TENANT.toUpperCase(), global.runs]);
}"""
SANDBOX = Path(__file__).resolve().parents[2] / "sandbox"


def _seen(outcome):
    assert outcome.status == "ok", outcome.result
    return outcome.value


def test_a_changed_configuration_gets_its_own_warm_isolate_and_the_old_one_is_kept(run):
    warm = {"mode": "warm", "connection_id": "con_binding", "revision": "1"}
    assert _seen(run(SHOW, configuration={"TENANT": "alpha"}, **warm)) == ["ALPHA", 1]
    assert _seen(run(SHOW, configuration={"TENANT": "beta"}, **warm)) == ["BETA", 1]
    assert _seen(run(SHOW, configuration={"TENANT": "alpha"}, **warm)) == ["ALPHA", 2]


def test_changed_options_get_their_own_warm_isolate(run):
    warm = {"mode": "warm", "connection_id": "con_binding_options", "revision": "1", "configuration": {"TENANT": "t"}}
    assert _seen(run(SHOW, legacy_globals=True, **warm)) == ["T", 1]
    assert _seen(run(SHOW, legacy_globals=False, **warm)) == ["T", 1]


def test_fresh_runs_one_after_another_each_see_their_own_configuration(run):
    # More runs than the worker keeps prepared isolates: spares and isolates made on demand alike.
    tenants = [f"tenant-{i}" for i in range(8)]
    seen = [_seen(run(SHOW, configuration={"TENANT": t}, connection_id="con_binding_fresh"))[0] for t in tenants]
    assert seen == [t.upper() for t in tenants]


# The host side of one isolate, driven directly with a real isolated-vm isolate: the pools never hand an isolate
# a run bound otherwise, so only here can the refusal itself be seen.
SLOT_DRIVER = r"""
const fs = require("node:fs");
const path = require("node:path");
const { IsolateSlot } = require("./src/host/isolate-slot");
const { allowlist, loadSources } = require("./src/host/modules");
const { sources, versions, bridged } = loadSources();
const shared = {
  runtime: fs.readFileSync(path.join("src", "isolate", "runtime.js"), "utf8"), sources,
  settingsJson: JSON.stringify({ allowlist, versions, bridged, resultMaxBytes: 65536 }),
};
const options = { enable_script_context: false, legacy_globals: true, egress_allowlist: [] };
const source = "function login(e, p, cb) { cb(null, configuration.TENANT.toUpperCase()); }";
function job(tenant, out) {
  const sink = { log: () => true, result: (status, body) => out.push({ status, ...body }) };
  const payload = JSON.stringify({ kind: "login", function_names: ["login"], source, source_hash: "h", args: ["a", "b"],
                                   context: {}, configuration: { TENANT: tenant }, options });
  return { tag: tenant, sink, payload, timeoutMs: 2000, policy: null, binding: "bound-to-" + tenant };
}
(async () => {
  const slot = await new IsolateSlot({ shared, memoryMb: 32, onCatastrophic: () => process.exit(3) }).init();
  const out = [];
  await slot.run(job("alpha", out));
  await slot.run(job("beta", out));
  await slot.run(job("alpha", out));
  slot.dispose();
  process.stdout.write(JSON.stringify(out));
})();
"""


@pytest.mark.scriptd
def test_an_isolate_refuses_a_run_bound_to_another_configuration():
    done = subprocess.run(
        [scriptd_node(), "--no-node-snapshot", "-e", SLOT_DRIVER],
        cwd=SANDBOX,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    first, other, again = json.loads(done.stdout)
    assert first == {"status": "ok", "value": "ALPHA"}
    assert other["status"] == "crash"
    assert "another configuration" in other["error"]["message"]
    assert again == {"status": "ok", "value": "ALPHA"}


# What a run can see of its isolate's global object and of its own set-up.
LOOK = """function login(e, p, cb) {
  const names = Object.getOwnPropertyNames(globalThis).sort();
  cb(null, { names, tenant: configuration.TENANT, runs: global.runs === undefined,
             legacy: typeof mysql, login: typeof globalThis.login });
}"""


@pytest.mark.parametrize("legacy_globals", [True, False])
def test_a_prepared_isolate_rehearsed_its_run_path_without_a_trace(run, scriptd_socket, legacy_globals):
    """Prepared (fresh) isolates rehearse the run path with a script of their own before any run
    (runtime.js warmUp). The run after it sees exactly what a run in an isolate that never rehearsed
    sees: its own configuration and options, nothing of the rehearsal's."""
    memory = {"memory_mb": 48}
    _seen(run(LOOK, configuration={"TENANT": "x"}, **memory))  # spares are now prepared with this heap size

    def fresh_counts():  # summed over the workers (Try runs go to the first)
        workers = scriptd.stats(socket_path=scriptd_socket)["workers"]
        return [sum(w[key] for w in workers) for key in ("fresh_runs", "fresh_misses")] + [
            min(w["spare_isolates"] for w in workers)
        ]

    assert wait_for(lambda: fresh_counts()[2] >= 1, timeout_s=10, every_s=0.05)
    runs, misses, _ = fresh_counts()
    fresh = _seen(run(LOOK, configuration={"TENANT": "gamma"}, legacy_globals=legacy_globals, **memory))
    assert fresh_counts()[:2] == [runs + 1, misses]  # it ran in a prepared, rehearsed isolate
    warm = _seen(
        run(
            LOOK,
            configuration={"TENANT": "gamma"},
            legacy_globals=legacy_globals,
            mode="warm",
            connection_id=f"con_rehearsal_{legacy_globals}",
            **memory,
        )
    )
    assert fresh == warm
    assert (fresh["tenant"], fresh["runs"], fresh["login"]) == ("gamma", True, "undefined")
    assert fresh["legacy"] == ("function" if legacy_globals else "undefined")
