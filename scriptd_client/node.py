"""Which `node` runs scriptd: Node 24 LTS or newer (isolated-vm 7 needs it, and the V8 that holds
untrusted code must be one that still gets security fixes).

The system `node` is used when it is new enough; otherwise the official Node 24 binary that
`npm ci` in sandbox/ installs from the npm registry (the pinned `node-linux-<arch>` package).
scriptd itself refuses to start on an older Node, so a missing binary ends in a clear message
there rather than in an isolated-vm load error.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

SANDBOX_DIR = Path(__file__).resolve().parent.parent / "sandbox"
MIN_NODE_MAJOR = 24
# Installed by `npm ci` in sandbox/ (optionalDependencies: only the package for this CPU is installed).
BUNDLED_NODE = SANDBOX_DIR / "node_modules" / ".bin" / "node"


@functools.cache
def node_major(binary: str) -> int | None:
    """The major version of the Node at `binary`, or None when it does not run."""
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10, env={})
    except OSError:
        return None
    text = done.stdout.strip().lstrip("v")
    return int(text.split(".")[0]) if done.returncode == 0 and text.split(".")[0].isdigit() else None


def scriptd_node() -> str:
    """The path of the `node` that runs scriptd (its bench and tests too)."""
    system = shutil.which("node")
    if system and (node_major(system) or 0) >= MIN_NODE_MAJOR:
        return system
    if BUNDLED_NODE.exists():
        return str(BUNDLED_NODE.resolve())
    # Neither: scriptd says what is wrong ("needs Node 24 or newer ... run npm ci in sandbox/").
    return system or "/usr/bin/node"
