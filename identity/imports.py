"""Bulk import of users into the managed store, from a file in Auth0's user-import format.

The file is a JSON array of users (`email` required; `email_verified`, `user_id`, `username`, names,
`picture`, `blocked`, `user_metadata`, `app_metadata`, and a bcrypt `password_hash` or a
`custom_password_hash` in one of Auth0's algorithms). Rows are checked one by one: a bad row becomes an
error with its line in the file, the field at fault and the reason, and never stops the others. Foreign
hashes are stored as they are (identity.hashers.ImportedPasswordHasher checks them) and replaced by the
store's own hash at the user's first good login.
"""

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from connections_admin import crypto
from connections_admin import services as audit
from connections_admin.models import AuditEvent, Connection

from . import logs
from .hashers import DIGESTS, LDAP_SCHEMES, PASSWORD_ENCODINGS, decode_bytes, spec_encode
from .models import ManagedUser, UserImportJob
from .user_changes import metadata_validate

MAX_FILE_BYTES = 50 * 1024 * 1024
CHUNK = 500  # rows per transaction and per progress update
ERRORS_KEPT = 10_000
STRING_FIELDS = {
    "user_id": 255,
    "username": 128,
    "given_name": 150,
    "family_name": 150,
    "name": 300,
    "nickname": 300,
    "picture": 2000,
}
KNOWN_FIELDS = {
    "email",
    "email_verified",
    "blocked",
    "user_metadata",
    "app_metadata",
    "password_hash",
    "custom_password_hash",
    "mfa_factors",
    *STRING_FIELDS,
}
ALGORITHMS = ("bcrypt", "argon2", "pbkdf2", "ldap", *DIGESTS)
BCRYPT = re.compile(r"^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$")


class ImportFileInvalid(Exception):
    """The file as a whole cannot be read (not a JSON array, too big): nothing is imported."""


@dataclass
class RowError:
    code: str
    message: str
    path: str = ""


@dataclass
class Row:
    line: int
    raw: Any
    fields: dict[str, Any] = field(default_factory=dict)
    password: str | None = None  # the stored form of its hash
    errors: list[RowError] = field(default_factory=list)


def rows_parse(text: str) -> list[Row]:
    """The array's elements with the line each starts on. Raises ImportFileInvalid for a file that is not
    a JSON array (with the line and column of the syntax error)."""
    if len(text.encode()) > MAX_FILE_BYTES:
        raise ImportFileInvalid(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it.")
    decoder, rows = json.JSONDecoder(), []
    ws = re.compile(r"[ \t\n\r]*")
    at = ws.match(text, 0).end()
    if text[at : at + 1] != "[":
        raise ImportFileInvalid("The file must be a JSON array of users ([{...}, {...}]).")
    at, line, counted = ws.match(text, at + 1).end(), 1, 0
    if text[at : at + 1] == "]":
        return []
    while True:
        line += text.count("\n", counted, at)
        counted = at
        try:
            value, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError as e:
            raise ImportFileInvalid(f"Not valid JSON at line {e.lineno}, column {e.colno}: {e.msg}.") from None
        rows.append(Row(line=line, raw=value))
        at = ws.match(text, end).end()
        if text[at : at + 1] == "]":
            if text[ws.match(text, at + 1).end() :]:
                raise ImportFileInvalid("Unexpected text after the closing ].")
            return rows
        if text[at : at + 1] != ",":
            line += text.count("\n", counted, at)
            raise ImportFileInvalid(f"Not valid JSON at line {line}: expected ',' or ']' between users.")
        at = ws.match(text, at + 1).end()


def _encoding(obj: dict, path: str, allowed: tuple[str, ...], default: str) -> str:
    value = obj.get("encoding", default)
    if value not in allowed:
        raise ValidationError({path: f"encoding must be one of {', '.join(allowed)}."})
    return value


def custom_hash_spec(value: Any) -> dict:
    """The stored spec of a custom_password_hash, or ValidationError({path: reason})."""
    if not isinstance(value, dict):
        raise ValidationError({"custom_password_hash": "Must be an object."})
    algorithm = value.get("algorithm")
    if algorithm not in ALGORITHMS:
        raise ValidationError({"custom_password_hash.algorithm": f"Must be one of {', '.join(ALGORITHMS)}."})
    hash_ = value.get("hash")
    if not isinstance(hash_, dict) or not isinstance(hash_.get("value"), str) or not hash_["value"]:
        raise ValidationError({"custom_password_hash.hash.value": "Required: the hash as a string."})
    spec = {"algorithm": algorithm, "hash": hash_["value"]}
    password = value.get("password", {})
    if password:
        spec["password_encoding"] = _encoding(
            password, "custom_password_hash.password.encoding", tuple(PASSWORD_ENCODINGS), "utf8"
        )
    h = hash_["value"]
    if algorithm == "bcrypt" and not BCRYPT.match(h):
        raise ValidationError({"custom_password_hash.hash.value": "Not a bcrypt hash ($2a$, $2b$ or $2y$)."})
    if algorithm == "argon2" and not re.match(r"^\$argon2(id|i|d)\$", h):
        raise ValidationError({"custom_password_hash.hash.value": "Not an argon2 PHC string ($argon2id$v=19$...)."})
    if algorithm == "pbkdf2":
        parts = h.split("$")
        if len(parts) != 5 or not parts[1].startswith("pbkdf2-") or "i=" not in parts[2]:
            raise ValidationError(
                {"custom_password_hash.hash.value": "Not a PHC string ($pbkdf2-sha256$i=100000,l=32$salt$hash)."}
            )
        if parts[1].removeprefix("pbkdf2-") not in ("sha1", "sha224", "sha256", "sha384", "sha512", "md5"):
            raise ValidationError({"custom_password_hash.hash.value": f"Unsupported digest {parts[1]}."})
    if algorithm == "ldap":
        scheme = re.match(r"^\{([A-Za-z0-9]+)\}(.+)$", h)
        if not scheme or scheme.group(1).upper() not in LDAP_SCHEMES:
            raise ValidationError(
                {
                    "custom_password_hash.hash.value": f"An RFC 2307 value, {{SCHEME}}base64, with one of {', '.join(LDAP_SCHEMES)}."
                }
            )
    if algorithm in DIGESTS:
        spec["hash_encoding"] = _encoding(hash_, "custom_password_hash.hash.encoding", ("hex", "base64", "utf8"), "hex")
        salt = value.get("salt")
        if salt is not None:
            if not isinstance(salt, dict) or not isinstance(salt.get("value"), str):
                raise ValidationError({"custom_password_hash.salt.value": "Required when salt is given."})
            spec["salt"] = salt["value"]
            spec["salt_encoding"] = _encoding(
                salt, "custom_password_hash.salt.encoding", ("utf8", "hex", "base64"), "utf8"
            )
            position = salt.get("position", "prefix")
            if position not in ("prefix", "suffix"):
                raise ValidationError({"custom_password_hash.salt.position": "Either prefix or suffix."})
            spec["salt_position"] = position
            try:
                decode_bytes(spec["salt"], spec["salt_encoding"])
            except ValueError:
                raise ValidationError(
                    {"custom_password_hash.salt.value": f"Not valid {spec['salt_encoding']}."}
                ) from None
        try:
            decode_bytes(h, spec["hash_encoding"])
        except ValueError:
            raise ValidationError({"custom_password_hash.hash.value": f"Not valid {spec['hash_encoding']}."}) from None
    return spec


def row_check(row: Row) -> None:
    """Fill row.fields and row.password, or row.errors (code, message, path) as Auth0 reports them."""
    raw = row.raw
    if not isinstance(raw, dict):
        row.errors.append(RowError("INVALID_FORMAT", "Each user must be a JSON object."))
        return
    for name in sorted(set(raw) - KNOWN_FIELDS):
        row.errors.append(RowError("INVALID_FORMAT", "Unknown field.", name))
    email = raw.get("email")
    try:
        if not isinstance(email, str):
            raise ValidationError("missing")
        validate_email(email.strip())
        row.fields["email"] = email.strip().lower()
    except ValidationError:
        row.errors.append(RowError("INVALID_FORMAT", "Required: a valid email address.", "email"))
    for name, limit in STRING_FIELDS.items():
        if name in raw:
            value = raw[name]
            if isinstance(value, int) and not isinstance(value, bool) and name == "user_id":
                value = str(value)
            if not isinstance(value, str) or not value.strip() or len(value) > limit:
                row.errors.append(
                    RowError("INVALID_FORMAT", f"A non-empty string of at most {limit} characters.", name)
                )
            else:
                row.fields[name] = value.strip().removeprefix("auth0|") if name == "user_id" else value.strip()
    for name in ("email_verified", "blocked"):
        if name in raw:
            if isinstance(raw[name], bool):
                row.fields[name] = raw[name]
            else:
                row.errors.append(RowError("INVALID_FORMAT", "Must be true or false.", name))
    for name in ("user_metadata", "app_metadata"):
        if name in raw:
            try:
                row.fields[name] = metadata_validate(raw[name], field=name)
            except ValidationError as e:
                row.errors.append(RowError("INVALID_FORMAT", " ".join(e.message_dict[name]), name))
    if "password_hash" in raw and "custom_password_hash" in raw:
        row.errors.append(
            RowError("INVALID_FORMAT", "Give password_hash or custom_password_hash, not both.", "password_hash")
        )
    elif "password_hash" in raw:
        if isinstance(raw["password_hash"], str) and BCRYPT.match(raw["password_hash"]):
            row.password = spec_encode({"algorithm": "bcrypt", "hash": raw["password_hash"]})
        else:
            row.errors.append(
                RowError("INVALID_FORMAT", "Must be a bcrypt hash ($2a$, $2b$ or $2y$).", "password_hash")
            )
    elif "custom_password_hash" in raw:
        try:
            row.password = spec_encode(custom_hash_spec(raw["custom_password_hash"]))
        except ValidationError as e:
            for path, messages in e.message_dict.items():
                row.errors.append(RowError("INVALID_FORMAT", " ".join(messages), path))


def row_public(raw: Any) -> Any:
    """A row as an error report shows it: without its password hash."""
    if not isinstance(raw, dict):
        return raw
    return {k: v for k, v in raw.items() if k not in ("password_hash", "custom_password_hash")}


# ---- jobs -------------------------------------------------------------------------------------------
def user_import_create(
    *, connection: Connection, text: str, upsert: bool, by: AbstractBaseUser | None, external_id: str = ""
) -> UserImportJob:
    """A pending import job for a Celery worker. Raises ImportFileInvalid for a file that is not a JSON array.

    The file (it holds password hashes) is stored encrypted and erased when the job ends."""
    total = len(rows_parse(text))
    with transaction.atomic():
        job = UserImportJob.objects.create(
            connection=connection,
            upsert=upsert,
            external_id=external_id[:100],
            total=total,
            payload_encrypted=crypto.encrypt(text),
            created_by=by if by is not None and by.is_authenticated else None,
        )
        audit.audit_event_record(
            connection=connection,
            action=AuditEvent.Action.USER_EVENT,
            by=by,
            detail={"flow": "import", "outcome": "queued", "job": job.public_id, "total": total, "upsert": upsert},
        )
        from .tasks import user_import_task  # tasks import this module

        user_import_task.delay_on_commit(job.pk)
    return job


def user_import_run(*, job_id: int) -> None:
    """Process a claimed job chunk by chunk, updating its progress; rows that fail are reported, not fatal."""
    job = UserImportJob.objects.select_related("connection").get(pk=job_id)
    rows = rows_parse(crypto.decrypt(job.payload_encrypted))
    seen: set[str] = set()
    for start in range(0, len(rows), CHUNK):
        inserted, updated, errors = _import_chunk(job, rows[start : start + CHUNK], seen)
        UserImportJob.objects.filter(pk=job.pk).update(
            processed=F("processed") + len(rows[start : start + CHUNK]),
            inserted=F("inserted") + inserted,
            updated=F("updated") + updated,
            failed=F("failed") + len(errors),
        )
        if errors:
            job.refresh_from_db(fields=["errors"])
            job.errors = (job.errors + errors)[:ERRORS_KEPT]
            job.save(update_fields=["errors"])
    job.refresh_from_db()
    job.status, job.finished_at, job.payload_encrypted = UserImportJob.Status.COMPLETED, timezone.now(), ""
    job.save(update_fields=["status", "finished_at", "payload_encrypted"])
    summary = {"total": job.total, "inserted": job.inserted, "updated": job.updated, "failed": job.failed}
    audit.audit_event_record(
        connection=job.connection,
        action=AuditEvent.Action.USER_EVENT,
        by=job.created_by,
        detail={"flow": "import", "outcome": "completed", "job": job.public_id, **summary},
    )
    logs.log_record(
        type="sapi",
        description=f"Users import {job.public_id}: {job.inserted} inserted, {job.updated} updated, {job.failed} failed",
        connection=job.connection,
        details={"action": "users_import", "job": job.public_id, **summary},
        actor=job.created_by,
    )


def user_import_fail(*, job_id: int, message: str) -> None:
    UserImportJob.objects.filter(pk=job_id).update(
        status=UserImportJob.Status.FAILED, finished_at=timezone.now(), payload_encrypted="", message=message[:500]
    )


def _error(row: Row, errors: list[RowError]) -> dict:
    return {
        "line": row.line,
        "user": row_public(row.raw),
        "errors": [{"code": e.code, "message": e.message, "path": e.path} for e in errors],
    }


def _import_chunk(job: UserImportJob, rows: list[Row], seen: set[str]) -> tuple[int, int, list[dict]]:
    connection, now = job.connection, timezone.now()
    errors: list[dict] = []
    good: list[Row] = []
    for row in rows:
        row_check(row)
        email = row.fields.get("email", "")
        if not row.errors and email in seen:
            row.errors.append(RowError("DUPLICATED_USER", "This email appears earlier in the file.", "email"))
        if row.errors:
            errors.append(_error(row, row.errors))
            continue
        seen.add(email)
        good.append(row)
    existing = {u.email: u for u in connection.managed_users.filter(email__in=[r.fields["email"] for r in good])}
    ids_taken = set(
        connection.managed_users.filter(
            user_id__in=[r.fields["user_id"] for r in good if "user_id" in r.fields]
        ).values_list("user_id", flat=True)
    )
    new, changed = [], []
    for row in good:
        f, user = row.fields, existing.get(row.fields["email"])
        if user is not None and not job.upsert:
            errors.append(_error(row, [RowError("DUPLICATED_USER", "The user already exists.", "email")]))
            continue
        if user is None and f.get("user_id") in ids_taken:
            errors.append(_error(row, [RowError("DUPLICATED_USER", "Another user has this user_id.", "user_id")]))
            continue
        if user is not None and "user_id" in f and f["user_id"] != user.user_id:
            errors.append(_error(row, [RowError("INVALID_FORMAT", "user_id cannot change on upsert.", "user_id")]))
            continue
        user = user or ManagedUser(
            connection=connection,
            user_id=f.get("user_id") or secrets.token_hex(12),
            identity={"provider": "auth0", "connection": connection.name, "isSocial": False},
        )
        _apply(user, f, row.password, now)
        (changed if user.pk else new).append(user)
    try:
        with transaction.atomic():
            ManagedUser.objects.bulk_create(new)
            if changed:
                ManagedUser.objects.bulk_update(changed, _UPDATED_FIELDS)
    except IntegrityError:  # someone stored one of these users meanwhile: fall back to row by row
        new, changed, errors = _one_by_one(new, changed, rows, errors)
    return len(new), len(changed), sorted(errors, key=lambda e: e["line"])


_UPDATED_FIELDS = [
    "username",
    "email_verified",
    "blocked",
    "password",
    "is_managed",
    "attributes",
    "user_metadata",
    "app_metadata",
    "migrated_at",
]


def _apply(user: ManagedUser, f: dict, password: str | None, now) -> None:
    user.email = f["email"]
    user.username = f.get("username", user.username)
    user.email_verified = f.get("email_verified", user.email_verified)
    user.blocked = f.get("blocked", user.blocked)
    user.attributes = user.attributes | {
        k: f[k] for k in ("given_name", "family_name", "name", "nickname", "picture") if k in f
    }
    user.user_metadata = f.get("user_metadata", user.user_metadata)
    user.app_metadata = f.get("app_metadata", user.app_metadata)
    if password is not None:
        user.password = password
    if not user.is_managed:  # imported users are answered by the managed store from now on
        user.is_managed, user.migrated_at = True, now


def _one_by_one(new, changed, rows, errors):
    by_email = {r.fields.get("email"): r for r in rows}
    saved_new, saved_changed = [], []
    for user in new + changed:
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            row = by_email[user.email]
            errors.append(_error(row, [RowError("DUPLICATED_USER", "Stored by someone else meanwhile.", "email")]))
            continue
        (saved_changed if user in changed else saved_new).append(user)
    return saved_new, saved_changed, errors


def job_public(job: UserImportJob) -> dict:
    """Auth0's job object (GET /api/v2/jobs/{id})."""
    body = {
        "status": job.status,
        "type": "users_import",
        "created_at": job.created_at.isoformat().replace("+00:00", "Z"),
        "id": job.public_id,
        "connection_id": job.connection.public_id,
        "connection": job.connection.name,
        "upsert": job.upsert,
        "external_id": job.external_id,
        "percentage_done": round(100 * job.processed / job.total) if job.total else 100,
    }
    if job.status in (UserImportJob.Status.COMPLETED, UserImportJob.Status.FAILED):
        body["summary"] = {"failed": job.failed, "updated": job.updated, "inserted": job.inserted, "total": job.total}
    if job.message:
        body["message"] = job.message
    return body
