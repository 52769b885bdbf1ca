"""What a script may be and use, defined once. Services validate against these, forms, serializers and
connections-as-code reuse those validators, and every scriptd request carries the run limits
(scriptd enforces what it is sent, under a hard ceiling of its own, and keeps no copy of these rules).

The deployment's defaults come from settings (TRICKLE_SCRIPT_TIMEOUT_S, TRICKLE_SCRIPT_MEMORY_MB).
"""

from django.conf import settings

# A connection's run time limit, in whole seconds (Auth0 stops scripts at 20 s; we allow up to 60).
TIMEOUT_MIN_S = 1
TIMEOUT_MAX_S = 60

# Margin on top of the run's own limit for scriptd to answer `timeout` itself. A warm run may first
# wait up to its limit for one of its connection's isolates (scriptd answers `timeout` itself if it
# waited that long); the deadline starts again when scriptd reports `started`. Here rather than in
# client.py so config/gunicorn.py can read it without Django settings.
DEADLINE_GRACE_S = 5.0

# Auth0 advises at most 100 kB per script (latency): a lint finding. Above 512 kB a script is refused.
SOURCE_WARN_BYTES = 100 * 1024
SOURCE_MAX_BYTES = 512 * 1024


def timeout_default_s() -> int:
    """The run time limit new connections start with (TRICKLE_SCRIPT_TIMEOUT_S, checked against the range above
    when the settings load)."""
    return settings.SCRIPT_TIMEOUT_S


def memory_mb() -> int:
    """The heap limit of every isolate that runs a script (TRICKLE_SCRIPT_MEMORY_MB)."""
    return settings.SCRIPT_MEMORY_MB


def source_size_problem(source: str) -> str | None:
    """Why `source` is too large to store or run, or None."""
    size = len(source.encode())
    if size > SOURCE_MAX_BYTES:
        return f"{size // 1024} kB is above the {SOURCE_MAX_BYTES // 1024} kB limit."
    return None
