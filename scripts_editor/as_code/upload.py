"""Zip uploads for the dashboard import: unpacked safely, and kept on the server between preview and confirm.

The upload (the zip and its keyword values, which may be secrets) is stored encrypted with the
configuration key in the database (ImportUpload: any web host may get the confirmation), under a random
id that only the uploader's session lists, and expires after an hour. Confirming sends back that id and the
plan's fingerprint, nothing the server has to trust.
"""

import base64
import io
import json
import secrets
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePosixPath, PureWindowsPath

from cryptography.fernet import InvalidToken
from django.utils import timezone

from connections_admin import crypto

from ..models import ImportUpload
from .exceptions import AsCodeProblem, AsCodeRejected
from .layout import CONNECTIONS_FOLDER, YAML_FILE
from .plan import ImportPlan, import_prepare

MAX_ZIP_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 32 * 1024 * 1024  # a zip bomb stops here, whatever its headers claim
MAX_ENTRIES = 2000
# Layouts nest three or four folders deep; far deeper paths only exhaust the file system's limits.
MAX_DEPTH = 32
MAX_NAME_BYTES = 1024
UPLOAD_TTL_S = 3600
SESSION_KEY = "as_code_uploads"
SESSION_UPLOADS_KEPT = 5


@dataclass(frozen=True)
class Upload:
    data: bytes  # the zip
    keywords: dict[str, object]
    allow_delete: bool


def _unsafe(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic links are refused"
    if "\\" in name or PurePosixPath(name).is_absolute() or PureWindowsPath(name).drive:
        return "absolute paths and backslashes are refused"
    if ".." in PurePosixPath(name).parts:
        return "paths leading out of the archive are refused"
    if len(PurePosixPath(name).parts) > MAX_DEPTH or len(name.encode()) > MAX_NAME_BYTES:
        return f"paths nested more than {MAX_DEPTH} folders deep or longer than {MAX_NAME_BYTES} bytes are refused"
    return ""


def zip_unpack(*, data: bytes, into: Path) -> Path:
    """Unpack into `into` and return the folder holding a layout (a single top folder, as in a
    repository's "Download ZIP", is looked into). AsCodeRejected for anything unsafe."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise AsCodeRejected([AsCodeProblem("", "the upload is not a zip archive")]) from e
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise AsCodeRejected([AsCodeProblem("", f"the archive holds more than {MAX_ENTRIES} entries")])
    problems = [AsCodeProblem(i.filename, reason) for i in infos if (reason := _unsafe(i))]
    if problems:
        raise AsCodeRejected(problems)
    written = 0
    for info in infos:
        target = into / info.filename
        try:
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("wb") as sink:
                while chunk := source.read(64 * 1024):
                    written += len(chunk)
                    if written > MAX_UNPACKED_BYTES:
                        raise AsCodeRejected(
                            [
                                AsCodeProblem(
                                    "", f"the archive unpacks to more than {MAX_UNPACKED_BYTES // 1024 // 1024} MB"
                                )
                            ]
                        )
                    sink.write(chunk)
        except OSError as e:  # e.g. both a file `a` and a folder `a/` in one archive
            raise AsCodeRejected([AsCodeProblem(info.filename, f"cannot be unpacked: {e.strerror}")]) from e
    children = [p for p in into.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX"]
    holds_layout = (into / CONNECTIONS_FOLDER).exists() or (into / YAML_FILE).exists()
    if not holds_layout and len(children) == 1 and children[0].is_dir():
        return children[0]
    return into


def upload_prepare(*, upload: Upload) -> ImportPlan:
    """Unpack the upload into a temporary folder and plan its import (the folder is gone afterwards)."""
    with tempfile.TemporaryDirectory(prefix="trickle-import-") as folder:
        root = zip_unpack(data=upload.data, into=Path(folder))
        return import_prepare(root=root, keywords=upload.keywords, allow_delete=upload.allow_delete)


def import_uploads_expired_delete() -> int:
    """Remove uploads nobody confirmed within the time limit; returns how many."""
    return ImportUpload.objects.filter(created_at__lt=timezone.now() - timedelta(seconds=UPLOAD_TTL_S)).delete()[0]


def upload_stash(*, session, upload: Upload) -> str:
    """Keep the upload for the confirm step; returns its id, which only this session may use."""
    import_uploads_expired_delete()
    upload_id = secrets.token_urlsafe(16)
    payload = json.dumps(
        {
            "zip": base64.b64encode(upload.data).decode(),
            "keywords": upload.keywords,
            "allow_delete": upload.allow_delete,
        }
    )
    ImportUpload.objects.create(id=upload_id, payload=crypto.fernet().encrypt(payload.encode()).decode())
    session[SESSION_KEY] = [*session.get(SESSION_KEY, [])[-(SESSION_UPLOADS_KEPT - 1) :], upload_id]
    return upload_id


def upload_load(*, session, upload_id: str) -> Upload | None:
    """The stashed upload, or None when it is not this session's, was confirmed already, or expired."""
    if upload_id not in session.get(SESSION_KEY, []):
        return None
    stored = ImportUpload.objects.filter(id=upload_id).first()
    try:
        payload = json.loads(crypto.fernet().decrypt(stored.payload.encode(), ttl=UPLOAD_TTL_S)) if stored else None
    except InvalidToken:
        payload = None
    if payload is None:
        return None
    return Upload(
        data=base64.b64decode(payload["zip"]), keywords=payload["keywords"], allow_delete=payload["allow_delete"]
    )


def upload_discard(*, session, upload_id: str) -> None:
    owned = session.get(SESSION_KEY, [])
    if upload_id in owned:  # never an id the browser chose
        session[SESSION_KEY] = [i for i in owned if i != upload_id]
        ImportUpload.objects.filter(id=upload_id).delete()
