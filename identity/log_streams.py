"""Log streams: webhooks that receive the log in order, in batches, each entry once per successful POST.

A batch is a JSON array of Auth0's webhook items, `[{"log_id": ..., "data": <log event>}]`, POSTed with
    X-Trickle-Timestamp: <unix seconds>
    X-Trickle-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the stream's secret>
    X-Trickle-Batch: <first log_id>-<last log_id> (the same batch is resent, byte for byte the same
    entries, only after a failed attempt: a receiver can drop a batch id it already stored)
The stream's cursor moves only after a 2xx, so a receiver that was down gets everything it missed, in
order, once it answers again. Retries back off (doubling from TRICKLE_LOG_STREAM_RETRY_BASE_S, at most
5 minutes); after TRICKLE_LOG_STREAM_MAX_FAILURES failures in a row the stream is suspended.
"""

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from connections_admin import crypto
from connections_admin import services as audit
from connections_admin.models import AuditEvent

from .logs import log_public
from .models import LogEvent, LogStream, LogStreamDelivery

# Entries younger than this wait for the next run: an id is taken at insert, but a transaction that took a
# lower id may commit after a higher one; moving the cursor past it would skip that entry for ever.
SETTLE_S = 2
DELIVERIES_KEPT = 200  # per stream, for the status page
TIMEOUT_S = 10
MAX_BACKOFF_S = 300


def _audit(stream: LogStream, outcome: str, by: AbstractBaseUser | None) -> None:
    detail = {"flow": "log_stream", "outcome": outcome, "stream": stream.name, "endpoint": stream.endpoint}
    audit.audit_event_record(
        connection=None, action=AuditEvent.Action.USER_EVENT, by=by, detail=detail, connection_name="(all)"
    )


def log_stream_create(*, name: str, endpoint: str, by: AbstractBaseUser | None) -> tuple[LogStream, str]:
    """A new active stream that starts with the entries written from now on. Returns it and its HMAC
    secret (shown once: only its ciphertext is stored)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the stream a name."})
    try:
        URLValidator(schemes=["http", "https"])(endpoint)
    except ValidationError:
        raise ValidationError({"endpoint": "An http:// or https:// URL."}) from None
    if LogStream.objects.filter(name=name).exists():
        raise ValidationError({"name": "A stream with this name exists."})
    secret = secrets.token_urlsafe(32)
    stream = LogStream.objects.create(
        name=name,
        endpoint=endpoint,
        secret_encrypted=crypto.encrypt(secret),
        cursor=LogEvent.objects.aggregate(last=Max("pk"))["last"] or 0,
    )
    _audit(stream, "created", by)
    return stream, secret


def log_stream_set_status(*, stream: LogStream, status: str, by: AbstractBaseUser | None) -> None:
    """Pause or resume a stream (resuming a suspended one starts its failure count over)."""
    if status not in (LogStream.Status.ACTIVE, LogStream.Status.PAUSED):
        raise ValidationError({"status": "Either active or paused."})
    LogStream.objects.filter(pk=stream.pk).update(status=status, failures=0, next_attempt_at=None)
    stream.refresh_from_db()
    _audit(stream, status, by)


def log_stream_delete(*, stream: LogStream, by: AbstractBaseUser | None) -> None:
    _audit(stream, "deleted", by)
    stream.delete()


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """What X-Trickle-Signature carries; receivers compute the same to check a batch."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _post(stream: LogStream, secret: str, batch: list[LogEvent]) -> tuple[int | None, str]:
    body = json.dumps([{"log_id": e.log_id, "data": log_public(e)} for e in batch]).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        stream.endpoint,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Trickle-LogStream/1",
            "X-Trickle-Timestamp": timestamp,
            "X-Trickle-Signature": signature(secret=secret, timestamp=timestamp, body=body),
            "X-Trickle-Batch": f"{batch[0].log_id}-{batch[-1].log_id}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 (http(s) only, validated)
            return response.status, ""
    except urllib.error.HTTPError as e:
        return e.code, f"HTTP {e.code} {e.reason}"
    except (urllib.error.URLError, OSError) as e:
        return None, str(getattr(e, "reason", e))[:255]


def _claim(stream_id: int) -> bool:
    """Take the stream for one delivery run, so two workers never send the same batch at once."""
    now = timezone.now()
    return bool(
        LogStream.objects.filter(pk=stream_id, status=LogStream.Status.ACTIVE)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(lease_until=now + timedelta(seconds=TIMEOUT_S * 6))
    )


def log_stream_deliver(*, stream_id: int) -> float | None:
    """Send every pending batch, in order, until caught up or a batch fails. Returns the seconds until the
    next retry when one failed (None otherwise, or when another worker holds the stream)."""
    if not _claim(stream_id):
        return None
    stream = LogStream.objects.get(pk=stream_id)
    secret = crypto.decrypt(stream.secret_encrypted)
    retry_in = None
    try:
        for _ in range(50):  # a bounded run; the next tick carries on
            batch = list(
                LogEvent.objects.filter(pk__gt=stream.cursor, date__lte=timezone.now() - timedelta(seconds=SETTLE_S))
                .select_related("connection")
                .order_by("pk")[: settings.TRICKLE_LOG_STREAM_BATCH]
            )
            if not batch:
                break
            started = time.perf_counter()
            status_code, error = _post(stream, secret, batch)
            ok = status_code is not None and 200 <= status_code < 300
            _delivery_record(stream, batch, ok, status_code, error, (time.perf_counter() - started) * 1000)
            if not ok:
                retry_in = _failed(stream, error)
                break
    finally:
        LogStream.objects.filter(pk=stream_id).update(lease_until=None)
    return retry_in


def _delivery_record(stream, batch, ok, status_code, error, duration_ms) -> None:
    with transaction.atomic():
        LogStreamDelivery.objects.create(
            stream=stream,
            first_log=batch[0].pk,
            last_log=batch[-1].pk,
            count=len(batch),
            ok=ok,
            status_code=status_code,
            error=error,
            duration_ms=round(duration_ms, 1),
        )
        if ok:
            stream.cursor, stream.failures, stream.last_error = batch[-1].pk, 0, ""
            stream.last_delivered_at, stream.next_attempt_at = timezone.now(), None
            stream.save(update_fields=["cursor", "failures", "last_error", "last_delivered_at", "next_attempt_at"])
        old = stream.deliveries.order_by("-id").values_list("id", flat=True)[DELIVERIES_KEPT : DELIVERIES_KEPT + 1]
        if old:
            stream.deliveries.filter(id__lte=old[0]).delete()


def _failed(stream: LogStream, error: str) -> float | None:
    stream.failures += 1
    stream.last_error = error or "The receiver did not answer 2xx."
    delay = min(settings.TRICKLE_LOG_STREAM_RETRY_BASE_S * 2 ** (stream.failures - 1), MAX_BACKOFF_S)
    stream.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    if stream.failures >= settings.TRICKLE_LOG_STREAM_MAX_FAILURES:
        stream.status = LogStream.Status.SUSPENDED
    stream.save(update_fields=["failures", "last_error", "next_attempt_at", "status"])
    if stream.status == LogStream.Status.SUSPENDED:
        _audit(stream, "suspended", None)
        return None
    return delay


def log_streams_due() -> list[int]:
    """Active streams with entries to send and no retry pending."""
    last = LogEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    return list(
        LogStream.objects.filter(status=LogStream.Status.ACTIVE, cursor__lt=last)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
        .values_list("pk", flat=True)
    )
