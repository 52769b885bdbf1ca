"""scriptd runs on Node 24 LTS or newer: the system `node` when it is new enough, else the official
binary that `npm ci` installs in sandbox/; an older Node is refused with a clear message."""

import shutil
import subprocess

import pytest

from scriptd_client import client as scriptd
from scriptd_client.node import MIN_NODE_MAJOR, node_major, scriptd_node

pytestmark = pytest.mark.scriptd


def test_scriptd_command_starts_a_node_24_or_newer():
    argv, _env = scriptd.scriptd_command(socket_path="/tmp/x.sock")
    assert argv[0] == scriptd_node()
    assert node_major(argv[0]) >= MIN_NODE_MAJOR


def test_workers_run_on_that_node(scriptd_socket):
    for worker in scriptd.stats(socket_path=scriptd_socket)["workers"]:
        assert int(worker["node"].lstrip("v").split(".")[0]) >= MIN_NODE_MAJOR


def test_scriptd_refuses_an_older_node(tmp_path):
    old = next(
        (n for n in (shutil.which("node"), "/usr/bin/node") if n and (node_major(n) or 99) < MIN_NODE_MAJOR), None
    )
    if old is None:
        pytest.skip("no Node older than 24 on this machine")
    argv, env = scriptd.scriptd_command(socket_path=str(tmp_path / "s.sock"), workers=1)
    done = subprocess.run([old, *argv[1:]], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert f"needs Node {MIN_NODE_MAJOR} or newer" in done.stderr
    assert "npm ci" in done.stderr
    assert not (tmp_path / "s.sock").exists()
