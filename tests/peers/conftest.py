"""Fixtures of the protocol-peer tests: plain Node running the real npm packages (tests/peers/
node_packages.py) against peers on 127.0.0.1."""

import json
import subprocess
from pathlib import Path

import pytest

from scriptd_client.node import scriptd_node
from tests.fixtures.tls import new_authority

from .node_packages import package_dir

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def authority():
    return new_authority()


@pytest.fixture(scope="session")
def node_script():
    """run(script, *args, env=None) runs tests/peers/<script> in plain Node; returns its JSON output."""

    def run(script, *args, env=None, timeout=90):
        done = subprocess.run(
            [scriptd_node(), str(HERE / script), *[a if isinstance(a, str) else json.dumps(a) for a in args]],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
        lines = done.stdout.strip().splitlines()
        assert lines, f"no output from {script}: {done.stderr[-2000:]}"
        return json.loads(lines[-1])

    return run


@pytest.fixture(scope="session")
def packages():
    """packages(name, major=None) -> the folder of that real npm package (node_packages.py)."""
    return lambda name, major=None: str(package_dir(name, major))
