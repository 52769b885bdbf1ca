"""Memory no isolate limit counts: WebAssembly is off, and each worker lives under an OS memory ceiling.
A worker that reaches its ceiling dies alone: its runs answer `crash` with a clear message, it is
replaced, and the other worker's runs keep succeeding."""

import os
import threading
from pathlib import Path

import pytest

from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY
from tests.fixtures.scriptd import scriptd_running

from .conftest import Neighbour, worker_index

pytestmark = pytest.mark.scriptd

LOGIN = BY_KEY["login"].for_scriptd()  # what scriptd is told about the login script

CEILING_MB = 600

# Each run keeps up to 240 MB of written (so resident) buffers: inside its own isolate's limit (300 MB), but three at
# once are more than the worker's ceiling.
HOG = """function login(e, p, cb) {
  global.keep = [];
  try { for (let i = 0; i < 24; i++) global.keep.push(new Uint8Array(10 * 1024 * 1024).fill(1)); }
  catch (err) { console.log('allocation refused after', global.keep.length); }
  setTimeout(() => cb(null, global.keep.length), 3000);
}"""


def _own_v1_memory_cgroup() -> Path | None:
    """This process's memory cgroup v1 folder when this machine has one we may divide (root), else None."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        number, controllers, where = line.split(":", 2)
        if "memory" in controllers.split(","):
            folder = Path("/sys/fs/cgroup/memory") / where.lstrip("/")
            return folder if folder.is_dir() and os.access(folder, os.W_OK) else None
    return None


def _expected_kind() -> str:
    """On a machine with a writable memory cgroup (this one and CI: cgroup v1, as root) the ceiling must
    be the kernel's; the guard is only the fallback where no cgroup can be divided."""
    return "cgroup" if _own_v1_memory_cgroup() or Path("/sys/fs/cgroup/cgroup.controllers").exists() else "guard"


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
        assert pong["memory_ceiling"]["kind"] == _expected_kind(), pong["memory_ceiling"]
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
        assert [w["restarts"] for w in scriptd.ping(socket_path=socket_path)["workers"]] == [0, 0]


def _descendants(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid] + [d for c in children for d in _descendants(int(c))]


def test_each_worker_process_runs_in_its_own_memory_cgroup(tmp_path):
    base = _own_v1_memory_cgroup()
    if base is None:
        pytest.skip("no writable cgroup v1 memory hierarchy here (the cgroup v2 path needs a delegated cgroup)")
    with scriptd_running(tmp_path, workers=2, worker_options={"worker-memory-mb": CEILING_MB}) as socket_path:
        pong = scriptd.ping(socket_path=socket_path)
        assert pong["memory_ceiling"]["mechanism"] == "cgroup v1 memory.limit_in_bytes"
        assert scriptd.stats(socket_path=socket_path)["memory_ceiling"]["kind"] == "cgroup"
        supervisor = int(Path(f"/proc/{pong['workers'][0]['pid']}/stat").read_text().rsplit(")", 1)[1].split()[1])
        folders = sorted(base.glob(f"scriptd-{supervisor}-worker-*"))
        assert len(folders) == len(pong["workers"]) == 3, folders  # two login workers and the Try worker
        for worker in pong["workers"]:
            processes = _descendants(worker["pid"])  # bwrap, its init and the worker's node
            assert any(b"worker.js" in Path(f"/proc/{p}/cmdline").read_bytes() for p in processes)
            for pid in processes:
                line = next(x for x in Path(f"/proc/{pid}/cgroup").read_text().splitlines() if ":memory:" in x)
                folder = base / line.split(":", 2)[2].rsplit("/", 1)[1]
                assert folder.name == f"scriptd-{supervisor}-worker-{worker['index']}", line
                assert int((folder / "memory.limit_in_bytes").read_text()) == CEILING_MB * 1048576
                memsw = folder / "memory.memsw.limit_in_bytes"
                if memsw.exists():
                    assert int(memsw.read_text()) == CEILING_MB * 1048576
    # A stopped scriptd leaves no cgroup behind.
    assert not [f for f in folders if f.exists()], folders
