"""scriptd applies the limits each request carries and keeps no rules of its own: a run without a time
limit or a heap size is refused, not given a default Node made up."""

import json
import socket

import pytest

from scripts_editor.scripts import BY_KEY
from tests.sandbox.conftest import TRIVIAL_LOGIN

FACTS = {"function_names": list(BY_KEY["login"].function_names), "password_paths": [[1]]}


def _exchange(socket_path, request):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(20)
        sock.connect(socket_path)
        sock.sendall(json.dumps(request).encode() + b"\n")
        buffer = b""
        while True:
            buffer += sock.recv(65536)
            for line in buffer.split(b"\n")[:-1]:
                event = json.loads(line)
                if event.get("type") == "result":
                    return event


@pytest.mark.parametrize("missing", ["timeout_ms", "memory_mb"])
def test_a_run_without_its_limits_is_refused(scriptd_socket, missing):
    limits = {"timeout_ms": 1000, "memory_mb": 64}
    del limits[missing]
    request = {"type": "run", "id": "r1", "kind": "login", "source": TRIVIAL_LOGIN, "args": ["a@b.c", "pw"], **FACTS}
    result = _exchange(scriptd_socket, {**request, "mode": "fresh", "limits": limits})
    assert result["status"] == "error"
    assert result["error"] == {"name": "BadRequest", "message": f"limits.{missing} must be a number"}


def test_a_run_with_its_limits_runs(scriptd_socket):
    request = {"type": "run", "id": "r2", "kind": "login", "source": TRIVIAL_LOGIN, "args": ["a@b.c", "pw"], **FACTS}
    result = _exchange(scriptd_socket, {**request, "mode": "fresh", "limits": {"timeout_ms": 1000, "memory_mb": 64}})
    assert result["status"] == "ok" and result["value"] == {"user_id": "a@b.c"}
