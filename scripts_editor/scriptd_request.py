"""The one way Django asks scriptd to run a script: Try runs (runs/services.py) and logins (identity/runtime.py)
both build their request here, so both tell scriptd the script's facts (ScriptSpec) and get the same limits."""

from typing import Any

from connections_admin.models import Connection
from scriptd_client import client as scriptd
from scriptd_client import limits

from .scripts import BY_KEY


def scriptd_request_build(
    *,
    connection: Connection,
    script: str,
    source: str,
    args: list[Any],
    mode: str,
    purpose: str,
    revision: int | None,
    configuration: dict[str, str],
    timeout_s: int | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """The keyword arguments of scriptd_client.run_script for one run of `script` on `connection`.

    `purpose` is "login" (an end user waits) or "try". `timeout_s` defaults to the connection's limit (a Try
    run passes the one it stored when queued); memory
    is the deployment's (scriptd_client/limits.py) for every run."""
    return {
        **BY_KEY[script].for_scriptd(),
        "source": source,
        "args": args,
        "mode": mode,
        "purpose": purpose,  # "login" or "try": scriptd serves logins first
        "connection_id": connection.public_id,
        "revision": revision,
        "configuration": configuration,
        "enable_script_context": connection.enable_script_context,
        "legacy_globals": connection.legacy_globals,
        "limits": scriptd.Limits(
            timeout_ms=(connection.script_timeout_s if timeout_s is None else timeout_s) * 1000,
            memory_mb=limits.memory_mb(),
        ),
        "run_id": run_id,
        # The I/O bridges connect only where the connection's allow-list says, in Try runs as at login.
        "egress_allowlist": list(connection.egress_allowlist),
    }
