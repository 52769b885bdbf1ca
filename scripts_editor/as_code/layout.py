"""auth0-deploy-cli's two layouts, read from a folder and written as {relative path: text}.

Directory: `database-connections/<name>/database.json`, whose `options.customScripts` maps each script
key to a file next to it (`"login": "./login.js"`). YAML: `tenant.yaml` with a `databases:` list of the
same objects; script paths are relative to the YAML file (`./databases/<name>/login.js`).

Reading is strict where the deploy CLI only warns or skips: a path that leads out of the folder, a
missing or unreferenced script file and an unknown script key are problems, all collected in one pass.
"""

import json
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath, PureWindowsPath

import yaml

from scriptd_client import limits

from ..scripts import SCRIPT_KEYS
from .exceptions import AsCodeProblem, AsCodeRejected
from .keywords import (
    MissingKeyword,
    keywords_placeholders_resolve,
    keywords_replace,
    keywords_replace_document,
    keywords_replace_value,
    missing_message,
)

DIRECTORY = "directory"
YAML = "yaml"
LAYOUTS = (DIRECTORY, YAML)
CONNECTIONS_FOLDER = "database-connections"
DATABASE_FILE = "database.json"
YAML_FILE = "tenant.yaml"
YAML_SCRIPTS_FOLDER = "databases"
TESTS_FILE = "tests.json"  # the connection's saved test cases, beside its scripts (issue 17)
# A script above the save limit is refused later anyway; this only keeps huge files out of memory.
READ_LIMIT_BYTES = 2 * limits.SOURCE_MAX_BYTES
DOCUMENT_LIMIT_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ConnectionSource:
    """One connection as the files describe it, keywords replaced and script files loaded."""

    file: str  # where it is defined, relative to the folder
    database: dict  # the database.json object or YAML entry, without options.customScripts
    scripts: dict[str, str] | None  # None: the files say nothing about scripts, so they stay as they are
    script_files: dict[str, str]  # script key -> the file its body came from
    # tests.json parsed, keywords replaced (an unsupplied whole-value marker is a MissingKeyword); None: no file,
    # so the saved test cases stay as they are.
    tests: object = None
    tests_file: str = ""


@dataclass(frozen=True)
class ConnectionDocument:
    """One connection ready to be written: its database.json object and its non-empty scripts."""

    name: str
    database: dict
    scripts: dict[str, str]
    tests: list[dict] | None = None  # written as tests.json when not None


def layout_detect(root: Path) -> str:
    """Which layout the folder holds; AsCodeRejected when it holds neither or both."""
    found = [
        layout for layout, marker in ((DIRECTORY, CONNECTIONS_FOLDER), (YAML, YAML_FILE)) if (root / marker).exists()
    ]
    if len(found) != 1:
        what = "both" if found else "neither"
        raise AsCodeRejected(
            [
                AsCodeProblem(
                    "",
                    f"the folder holds {what} of {CONNECTIONS_FOLDER}/ (directory "
                    f"layout) and {YAML_FILE} (YAML layout)",
                )
            ]
        )
    return found[0]


def layout_read(*, root: Path, keywords: dict[str, object]) -> list[ConnectionSource]:
    """Every connection in the folder (either layout); AsCodeRejected lists every problem found."""
    reader = _Reader(root, keywords)
    sources = reader.directory() if layout_detect(root) == DIRECTORY else reader.yaml()
    if reader.problems:
        raise AsCodeRejected(reader.problems)
    return sources


class _Reader:
    def __init__(self, root: Path, keywords: dict[str, object]):
        self.root = root.resolve()
        self.keywords = keywords
        self.problems: list[AsCodeProblem] = []

    def _relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def _readable(self, path: Path, *, limit: int) -> bool:
        """Whether the file may be read, after recording why not."""
        name = self._relative(path)
        if not path.resolve().is_relative_to(self.root):  # a symlink that leads out of the folder
            self.problems.append(AsCodeProblem(name, "leads outside the folder being imported"))
            return False
        if not path.is_file():
            self.problems.append(AsCodeProblem(name, "file not found"))
            return False
        if path.stat().st_size > limit:
            self.problems.append(AsCodeProblem(name, f"larger than {limit // 1024} kB"))
            return False
        return True

    def _text(self, path: Path, *, limit: int) -> str | None:
        """A script file's text with keywords replaced (a missing one is an error), or None after recording why
        it cannot be read."""
        name = self._relative(path)
        if not self._readable(path, limit=limit):
            return None
        try:
            return keywords_replace(path.read_text(encoding="utf-8"), keywords=self.keywords, file=name)
        except UnicodeDecodeError:
            self.problems.append(AsCodeProblem(name, "not UTF-8 text"))
        except AsCodeRejected as e:
            self.problems += e.problems
        return None

    def _document(self, path: Path, parse, what: str) -> tuple[object, bool]:
        """database.json or tenant.yaml parsed after keyword replacement: (document, ok).

        A marker with no value becomes a MissingKeyword where it is a whole value (only
        options.configuration may keep one, see _missing_outside_configuration) and an error elsewhere."""
        name = self._relative(path)
        if not self._readable(path, limit=DOCUMENT_LIMIT_BYTES):
            return None, False
        try:
            text, placeholders = keywords_replace_document(path.read_text(encoding="utf-8"), keywords=self.keywords)
        except UnicodeDecodeError:
            self.problems.append(AsCodeProblem(name, "not UTF-8 text"))
            return None, False
        try:
            document = parse(text)
        except (json.JSONDecodeError, yaml.YAMLError) as e:
            if placeholders:  # most likely a marker inside a string: name the keywords, not the placeholder
                keywords = list(dict.fromkeys(m.keyword for m in placeholders.values()))
                self.problems += [AsCodeProblem(name, missing_message(k)) for k in keywords]
            else:
                self.problems.append(AsCodeProblem(name, f"not valid {what} after keyword replacement: {e}"))
            return None, False
        missing: list[str] = []
        document = keywords_placeholders_resolve(document, placeholders=placeholders, missing=missing)
        self.problems += [AsCodeProblem(name, missing_message(k)) for k in missing]
        return document, not missing

    def _missing_outside_configuration(self, value: object, where: str, *, path: tuple = ()) -> bool:
        """Whether a whole-value marker with no value sits anywhere but as an options.configuration value
        (the only place one may, see plan._Planner._configuration); each is recorded as a problem."""
        if isinstance(value, MissingKeyword):
            if len(path) == 3 and path[:2] == ("options", "configuration"):
                return False
            self.problems.append(AsCodeProblem(where, missing_message(value.keyword)))
            return True
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        found = False
        for key, item in items:
            found = self._missing_outside_configuration(item, where, path=(*path, key)) or found
        return found

    def _script_path(self, base: Path, reference: object, where: str, key: str) -> Path | None:
        if not isinstance(reference, str) or not reference.strip():
            self.problems.append(AsCodeProblem(where, f"options.customScripts.{key} must be a file path"))
            return None
        if PurePosixPath(reference).is_absolute() or PureWindowsPath(reference).is_absolute():
            self.problems.append(
                AsCodeProblem(
                    where,
                    f"options.customScripts.{key}: absolute path {reference!r} "
                    "refused; use a path relative to the file",
                )
            )
            return None
        if "\\" in reference:  # a separator on Windows, a plain character here: refuse the ambiguity
            self.problems.append(
                AsCodeProblem(where, f"options.customScripts.{key}: write {reference!r} with / as the separator")
            )
            return None
        path = base / reference
        if not path.resolve().is_relative_to(self.root):
            self.problems.append(
                AsCodeProblem(
                    where, f"options.customScripts.{key}: {reference!r} leads outside the folder being imported"
                )
            )
            return None
        return path

    def _connection(self, database: object, *, where: str, base: Path, inline: bool) -> ConnectionSource | None:
        """Split customScripts off the object and load each referenced file (or, in YAML, inline body)."""
        if not isinstance(database, dict):
            self.problems.append(AsCodeProblem(where, "a connection must be an object"))
            return None
        if self._missing_outside_configuration(database, where):
            return None
        options = database.get("options", {})
        if not isinstance(options, dict):
            self.problems.append(AsCodeProblem(where, "options must be an object"))
            return None
        database = {**database, "options": {k: v for k, v in options.items() if k != "customScripts"}}
        if "customScripts" not in options:
            return ConnectionSource(file=where, database=database, scripts=None, script_files={})
        references = options["customScripts"]
        if not isinstance(references, dict):
            self.problems.append(AsCodeProblem(where, "options.customScripts must be an object"))
            return None
        scripts, files = {}, {}
        for key, reference in references.items():
            if key not in SCRIPT_KEYS:
                self.problems.append(
                    AsCodeProblem(
                        where,
                        f"options.customScripts.{key} is not a script Trickle "
                        f"knows; the seven are {', '.join(SCRIPT_KEYS)}",
                    )
                )
                continue
            if inline and isinstance(reference, str) and ("\n" in reference or not reference.endswith(".js")):
                body, file = reference, where  # the deploy CLI's YAML also takes a body in place of a path
            else:
                path = self._script_path(base, reference, where, key)
                body = self._text(path, limit=READ_LIMIT_BYTES) if path else None
                file = self._relative(path) if path else where
            if body is None:
                continue
            if problem := limits.source_size_problem(body):
                self.problems.append(AsCodeProblem(file, problem))
                continue
            scripts[key], files[key] = body, file
        return ConnectionSource(file=where, database=database, scripts=scripts, script_files=files)

    def _unreferenced(self, folder: Path, referenced: set[Path]) -> None:
        """Script files nobody references would silently not be deployed: say so instead."""
        for path in sorted(folder.rglob("*.js")):
            if path.resolve() not in referenced:
                self.problems.append(
                    AsCodeProblem(
                        self._relative(path),
                        "no options.customScripts entry references this script, so it would not be imported",
                    )
                )

    def _with_tests(self, source: ConnectionSource, path: Path) -> ConnectionSource:
        """The source with its tests.json, if there is one. Markers are replaced after parsing, value by
        value (keywords_replace_value), so a password with a quote or a backslash cannot break the JSON."""
        if not path.exists():
            return source
        name = self._relative(path)
        if not self._readable(path, limit=DOCUMENT_LIMIT_BYTES):
            return source
        try:
            parsed = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            self.problems.append(AsCodeProblem(name, "not UTF-8 text"))
            return source
        except json.JSONDecodeError as e:
            self.problems.append(AsCodeProblem(name, f"not valid JSON: {e}"))
            return source
        if not isinstance(parsed, list):
            self.problems.append(AsCodeProblem(name, "must hold a JSON list of test cases"))
            return source
        return replace(source, tests=keywords_replace_value(parsed, keywords=self.keywords), tests_file=name)

    def directory(self) -> list[ConnectionSource]:
        folder = self.root / CONNECTIONS_FOLDER
        if not folder.resolve().is_relative_to(self.root) or not folder.is_dir():
            self.problems.append(AsCodeProblem(CONNECTIONS_FOLDER, "must be a folder inside the one being imported"))
            return []
        sources = []
        for connection_folder in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            where = self._relative(connection_folder / DATABASE_FILE)
            database, ok = self._document(connection_folder / DATABASE_FILE, json.loads, "JSON")
            if not ok:
                continue
            source = self._connection(database, where=where, base=connection_folder, inline=False)
            if source:
                source = self._with_tests(source, connection_folder / TESTS_FILE)
                sources.append(source)
                referenced = {(self.root / f).resolve() for f in source.script_files.values()}
                self._unreferenced(connection_folder, referenced)
        return sources

    def yaml(self) -> list[ConnectionSource]:
        document, ok = self._document(self.root / YAML_FILE, yaml.safe_load, "YAML")
        if not ok:
            return []
        if not isinstance(document, dict) or not isinstance(document.get("databases"), list):
            # Without the list we cannot tell "no connections" from a typo, and --allow-delete would act on it.
            self.problems.append(AsCodeProblem(YAML_FILE, "needs a `databases:` list (write `databases: []` for none)"))
            return []
        self._missing_outside_configuration({k: v for k, v in document.items() if k != "databases"}, YAML_FILE)
        sources = []
        for index, database in enumerate(document["databases"]):
            source = self._connection(database, where=f"{YAML_FILE} databases[{index}]", base=self.root, inline=True)
            if source:
                name = source.database.get("name")
                if isinstance(name, str) and name and "/" not in name and not name.startswith("."):
                    source = self._with_tests(source, self.root / YAML_SCRIPTS_FOLDER / name / TESTS_FILE)
                sources.append(source)
        scripts_folder = self.root / YAML_SCRIPTS_FOLDER
        if scripts_folder.is_dir():
            referenced = {(self.root / f).resolve() for s in sources for f in s.script_files.values()}
            self._unreferenced(scripts_folder, referenced)
        return sources


def _with_script_paths(database: dict, paths: dict[str, str]) -> dict:
    if not paths:
        return database
    return {**database, "options": {**database.get("options", {}), "customScripts": paths}}


def _tests_file(folder: str, doc: ConnectionDocument) -> dict[str, str]:
    if doc.tests is None:
        return {}
    return {f"{folder}/{TESTS_FILE}": json.dumps(doc.tests, indent=2, ensure_ascii=False) + "\n"}


def layout_files(*, layout: str, documents: list[ConnectionDocument]) -> dict[str, str]:
    """{relative path: text} of the connections in `layout`; script keys are written sorted, as the CLI does."""
    files: dict[str, str] = {}
    if layout == DIRECTORY:
        for doc in documents:
            folder = f"{CONNECTIONS_FOLDER}/{doc.name}"
            paths = {key: f"./{key}.js" for key in sorted(doc.scripts)}
            files[f"{folder}/{DATABASE_FILE}"] = (
                json.dumps(_with_script_paths(doc.database, paths), indent=2, ensure_ascii=False) + "\n"
            )
            files |= {f"{folder}/{key}.js": doc.scripts[key] for key in sorted(doc.scripts)}
            files |= _tests_file(folder, doc)
        return files
    entries = []
    for doc in documents:
        folder = f"{YAML_SCRIPTS_FOLDER}/{doc.name}"
        paths = {key: f"./{folder}/{key}.js" for key in sorted(doc.scripts)}
        entries.append(_with_script_paths(doc.database, paths))
        files |= {f"{folder}/{key}.js": doc.scripts[key] for key in sorted(doc.scripts)}
        files |= _tests_file(folder, doc)
    files[YAML_FILE] = yaml.safe_dump(
        {"databases": entries}, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    return files
