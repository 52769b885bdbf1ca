"""Memory no isolate limit counts: WebAssembly is off, and each worker lives under an OS memory ceiling.
A worker that reaches its ceiling dies alone: its runs answer `crash` with a clear message, it is
replaced, and the other worker's runs keep succeeding."""

import threading

import pytest

from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY
from tests.fixtures.scriptd import scriptd_running

from .conftest import Neighbour, worker_index

pytestmark = pytest.mark.scriptd

LOGIN = BY_KEY["login"].for_scriptd()  # what scriptd is told about the login script

CEILING_MB = 600

# Each run keeps up to 240 MB of ArrayBuffers: inside its own isolate's limit (300 MB), but three at
# once are more than the worker's ceiling.
HOG = """function login(e, p, cb) {
  global.keep = [];
  try { for (let i = 0; i < 24; i++) global.keep.push(new ArrayBuffer(10 * 1024 * 1024)); }
  catch (err) { console.log('allocation refused after', global.keep.length); }
  setTimeout(() => cb(null, global.keep.length), 3000);
}"""


@pytest.mark.parametrize(
    "probe",
    [
        "typeof WebAssembly",
        "typeof globalThis['Web' + 'Assembly']",
        "(() => { try { new WebAssembly.Memory({ initial: 1, maximum: 65536 }); return 'made'; } catch (e) { return e.name; } })()",
        "(() => { try { WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); return 'made'; } catch (e) { return e.name; } })()",
        "(() => { try { return typeof Function('return this')().WebAssembly; } catch (e) { return e.name; } })()",
    ],
)
@pytest.mark.parametrize("mode", ["fresh", "warm"])
def test_webassembly_is_unavailable_in_isolates(run, probe, mode):
    outcome = run(f"function login(e, p, cb) {{ cb(null, {probe}); }}", mode=mode, connection_id="con_wasm")
    assert outcome.status == "ok", outcome.result
    assert outcome.value in ("undefined", "ReferenceError")


def test_a_worker_over_its_memory_ceiling_dies_alone_and_is_replaced(tmp_path):
    with scriptd_running(tmp_path, workers=2, worker_options={"worker-memory-mb": CEILING_MB}) as socket_path:
        pong = scriptd.ping(socket_path=socket_path)
        assert pong["memory_ceiling"]["mb"] == CEILING_MB
        assert pong["memory_ceiling"]["kind"] in ("cgroup", "rlimit")
        victim_index = worker_index("hog-0")
        hogs = [c for c in (f"hog-{i}" for i in range(100)) if worker_index(c) == victim_index][:3]
        calm = next(c for c in (f"calm-{i}" for i in range(100)) if worker_index(c) != victim_index)
        outcomes = []

        def hog(connection_id):
            outcomes.append(
                scriptd.run_script_collect(
                    **LOGIN,
                    source=HOG,
                    args=["a@b.c", "pw"],
                    mode="warm",
                    connection_id=connection_id,
                    limits=scriptd.Limits(timeout_ms=10_000, memory_mb=300),
                    socket_path=socket_path,
                )
            )

        with Neighbour(socket_path, calm) as other:
            threads = [threading.Thread(target=hog, args=(c,)) for c in hogs]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
        other.assert_unharmed()

        crashed = [o for o in outcomes if o.status == "crash"]
        assert crashed, [o.result for o in outcomes]
        for outcome in crashed:
            assert f"reached its memory ceiling of {CEILING_MB} MB" in outcome.error["message"]
        workers = scriptd.ping(socket_path=socket_path)["workers"]
        assert workers[victim_index]["restarts"] == 1
        assert workers[1 - victim_index]["restarts"] == 0
        # The replacement serves the same connections again.
        again = scriptd.run_script_collect(
            **LOGIN,
            source="function login(e, p, cb) { cb(null, global.keep ? 'old isolate' : 'new worker'); }",
            args=["a@b.c", "pw"],
            mode="warm",
            connection_id=hogs[0],
            socket_path=socket_path,
        )
        assert again.value == "new worker"


def test_no_isolate_may_be_given_a_heap_limit_at_the_ceiling(tmp_path):
    with scriptd_running(tmp_path, workers=1, worker_options={"worker-memory-mb": CEILING_MB}) as socket_path:
        # Asks for 1 GB of heap; the worker allows at most half its ceiling, so filling it is a
        # memory error of the run, not the death of the worker.
        outcome = scriptd.run_script_collect(
            **LOGIN,
            source="function login(e, p, cb) { const keep = []; while (true) keep.push(new Array(1e6).fill(1.5)); }",
            args=["a@b.c", "pw"],
            limits=scriptd.Limits(timeout_ms=20_000, memory_mb=1024),
            socket_path=socket_path,
        )
        assert outcome.status == "error", outcome.result
        assert outcome.error["message"] == f"Script exceeded the memory limit of {CEILING_MB // 2} MB"
        assert scriptd.ping(socket_path=socket_path)["workers"][0]["restarts"] == 0
