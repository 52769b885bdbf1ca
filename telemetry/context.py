"""The request id of the work in hand (an HTTP request or a Celery task), in a context variable."""

import contextlib
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("trickle_request_id", default="")
# What a proxy's id may look like; anything else (too long, spaces, control characters) is replaced,
# so a client cannot inject text into log lines or the run records.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:@-]{8,64}$")


def request_id_get() -> str:
    return _request_id.get()


def request_id_accept(candidate: str | None) -> str:
    """`candidate` when it is a well-formed id, else a new one."""
    if candidate and _WELL_FORMED.match(candidate):
        return candidate
    return uuid.uuid4().hex


@contextlib.contextmanager
def request_id_bound(request_id: str) -> Iterator[str]:
    token = _request_id.set(request_id)
    try:
        yield request_id
    finally:
        _request_id.reset(token)
