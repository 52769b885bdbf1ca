"""Connections to files: the REST API's options shape, scripts as files, secrets as `##KEY##` references.

Secret configuration values are never read here: each is written as a keyword reference that the import
fills in from a keywords file or the environment. Plain values (not secrets, see
options.trickle_plain_configuration) are written as themselves. Saved test cases go to tests.json beside the
scripts, each password a `##TEST__<connection>__<case>__<argument>##` reference, never its value.
"""

import io
import json
import re
import shutil
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

# The API owns the Auth0 option names; sharing its mapping keeps both shapes identical.
from connections_admin import crypto
from connections_admin.auth0_shape import OPTION_FIELDS, PLAIN_CONFIGURATION_OPTION
from connections_admin.models import ConfigurationVariable, Connection

from ..models import ScriptTestCase
from ..runs.arguments import run_arguments_join
from ..saved_tests import script_test_case_secrets
from ..selectors import script_revision_current_for
from .exceptions import AsCodeProblem, AsCodeRejected
from .keywords import keyword_reference
from .layout import (
    CONNECTIONS_FOLDER,
    DIRECTORY,
    YAML,
    YAML_FILE,
    YAML_SCRIPTS_FOLDER,
    ConnectionDocument,
    layout_files,
)

KEYWORDS_EXAMPLE_FILE = "keywords.example.json"


@dataclass(frozen=True)
class Export:
    layout: str
    names: list[str]  # the connections exported
    complete: bool  # every connection, not a selection by name
    files: dict[str, str]  # relative path -> text
    keywords: dict[str, list[str]]  # keyword -> the connections whose configuration needs it


def keyword_for(*, connection_name: str, key: str, shared: bool) -> str:
    """`KEY`, or `<name>__KEY` when several exported connections have that key (their values may differ)."""
    return f"{connection_name.replace('-', '_')}__{key}" if shared else key


def _word(text: str) -> str:
    return re.sub(r"\W+", "_", text).strip("_") or "x"


def _tests(connection: Connection, cases: list[ScriptTestCase], keywords: dict[str, list[str]]) -> list[dict] | None:
    """The cases as tests.json holds them; each stored password becomes a keyword reference (the secrets are
    only decrypted to learn where they sit). None when there is none, so no file is written."""
    if not cases:
        return None
    out, used = [], set()
    for case in cases:
        paths = [p for p in script_test_case_secrets(case=case) if p]
        references = {}
        for path in paths:
            keyword = f"TEST__{_word(connection.name)}__{_word(case.name)}__{_word(path)}"
            while keyword in used:  # two names that differ only in punctuation
                keyword += "_"
            used.add(keyword)
            keywords[keyword].append(connection.name)
            references[path] = keyword_reference(keyword)
        out.append(
            {
                "name": case.name,
                "script": case.script,
                "args": run_arguments_join(redacted=case.arguments, secrets=references),
                "expect": case.expect,
                "expected": case.expected,
            }
        )
    return out


def connections_export(*, layout: str, names: list[str] | None = None) -> Export:
    """The files for the named connections (all when `names` is empty); AsCodeRejected for an unknown name."""
    connections = list(Connection.objects.order_by("name"))
    if names:
        known = {c.name for c in connections}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise AsCodeRejected([AsCodeProblem("", f"no connection named {n!r}") for n in unknown])
        connections = [c for c in connections if c.name in set(names)]
    keys_by_connection: dict[int, list[str]] = defaultdict(list)  # secret keys
    plain_by_connection: dict[int, dict[str, str]] = defaultdict(dict)
    for variable in ConfigurationVariable.objects.filter(connection__in=connections).order_by("key"):
        if variable.plain:
            plain_by_connection[variable.connection_id][variable.key] = crypto.decrypt(variable.value_encrypted)
        else:
            keys_by_connection[variable.connection_id].append(variable.key)
    key_counts: dict[str, int] = defaultdict(int)
    for keys in keys_by_connection.values():
        for key in keys:
            key_counts[key] += 1
    revisions = script_revision_current_for(connections=connections)
    cases: dict[int, list[ScriptTestCase]] = defaultdict(list)
    for case in ScriptTestCase.objects.filter(connection__in=connections).order_by("name"):
        cases[case.connection_id].append(case)

    documents, keywords = [], defaultdict(list)
    for connection in connections:
        configuration = dict(plain_by_connection[connection.pk])
        for key in keys_by_connection[connection.pk]:
            keyword = keyword_for(connection_name=connection.name, key=key, shared=key_counts[key] > 1)
            configuration[key] = keyword_reference(keyword)
            keywords[keyword].append(connection.name)
        options = {option: getattr(connection, field) for option, field in OPTION_FIELDS.items()}
        if configuration:
            options["configuration"] = dict(sorted(configuration.items()))
            options[PLAIN_CONFIGURATION_OPTION] = sorted(plain_by_connection[connection.pk])
        database = {
            "name": connection.name,
            "display_name": connection.display_name,
            "strategy": connection.strategy,
            "options": options,
        }
        scripts = {k: body for k, body in revisions[connection.pk].scripts.items() if body}
        tests = _tests(connection, cases[connection.pk], keywords)
        documents.append(ConnectionDocument(name=connection.name, database=database, scripts=scripts, tests=tests))

    files = layout_files(layout=layout, documents=documents)
    files[KEYWORDS_EXAMPLE_FILE] = json.dumps({k: "" for k in sorted(keywords)}, indent=2) + "\n"
    return Export(
        layout=layout,
        names=[c.name for c in connections],
        complete=not names,
        files=files,
        keywords=dict(sorted(keywords.items())),
    )


def export_write(*, export: Export, directory: Path) -> None:
    """Write the files, replacing what an earlier export of the same connections left behind.

    A complete export replaces the whole connections folder, so a deleted connection does not come back
    on the next import; an export by name replaces only those connections' folders.
    """
    scripts_folder = directory / (CONNECTIONS_FOLDER if export.layout == DIRECTORY else YAML_SCRIPTS_FOLDER)
    if export.layout == YAML:
        tenant = directory / YAML_FILE
        if tenant.exists() and set(yaml.safe_load(tenant.read_text()) or {}) - {"databases"}:
            raise AsCodeRejected(
                [
                    AsCodeProblem(
                        YAML_FILE,
                        "holds more than `databases:`; export into another folder so nothing else in it is overwritten",
                    )
                ]
            )
    stale = [scripts_folder] if export.complete else [scripts_folder / name for name in export.names]
    for folder in stale:  # a script emptied since the last export must not linger as a file
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
    for relative, text in export.files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def export_zip(*, export: Export) -> bytes:
    """The files as a zip archive (fixed timestamps, so the same connections give the same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative in sorted(export.files):
            info = zipfile.ZipInfo(relative, date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, export.files[relative], compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
