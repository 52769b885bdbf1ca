"""Keyword replacement as auth0-deploy-cli does it, but a missing keyword is never left in place.

`@@KEY@@` becomes the JSON-encoded value (so it can stand for a number, an array or a quoted string) and
`##KEY##` the value itself. Replacement runs over the raw text of database.json, tenant.yaml and every
script file, before anything is parsed. A keyword with no value is an error, with one exception that lets
an unedited export be imported back: an options.configuration value that is exactly one marker keeps the
value the connection already stores (see MissingKeyword and plan._Planner._configuration).
"""

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .exceptions import AsCodeProblem, AsCodeRejected

MARKER_RE = re.compile(r"@@(\w+)@@|##(\w+)##")
# How to give a keyword a value, for every "has no value" message.
SUPPLY_HINT = (
    'supply it in a keywords JSON file {"KEY": value} (--keywords FILE for import_connections, '
    "the Keywords file on the import page)"
)


@dataclass(frozen=True)
class MissingKeyword:
    """A value in database.json or tenant.yaml that was exactly one marker with no value supplied.

    Only options.configuration may hold one (the stored secret is then kept); anywhere else it is an error.
    It is not a string, so nothing can store it by mistake."""

    keyword: str
    marker: str  # as written: ##KEY## or @@KEY@@


def keyword_reference(keyword: str) -> str:
    """The marker an export writes in place of a configuration value."""
    return f"##{keyword}##"


def keywords_load(*, file: Path | None = None, environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """The keyword values: the environment, overridden by the JSON object in `file` (explicit beats ambient)."""
    keywords: dict[str, object] = dict(environ or {})
    if file is None:
        return keywords
    try:
        loaded = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AsCodeRejected([AsCodeProblem(str(file), f"cannot read the keywords file: {e}")]) from e
    if not isinstance(loaded, dict):
        raise AsCodeRejected([AsCodeProblem(str(file), "the keywords file must hold one JSON object {KEY: value}")])
    return keywords | loaded


def keywords_parse(text: str, *, name: str) -> dict[str, object]:
    """Keyword values from uploaded JSON text (the dashboard never uses the server's environment)."""
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as e:
        raise AsCodeRejected([AsCodeProblem(name, f"not valid JSON: {e}")]) from e
    if not isinstance(loaded, dict):
        raise AsCodeRejected([AsCodeProblem(name, "the keywords file must hold one JSON object {KEY: value}")])
    return loaded


def _literal(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def keywords_replace(text: str, *, keywords: Mapping[str, object], file: str) -> str:
    """Replace every marker in `text`; raises AsCodeRejected naming each missing keyword and the file."""
    missing: list[str] = []

    def replace(match: re.Match) -> str:
        json_key, literal_key = match.groups()
        key = json_key or literal_key
        if key not in keywords:
            if key not in missing:
                missing.append(key)
            return match.group(0)
        return json.dumps(keywords[key]) if json_key else _literal(keywords[key])

    replaced = MARKER_RE.sub(replace, text)
    if missing:
        raise AsCodeRejected([AsCodeProblem(file, missing_message(key)) for key in missing])
    return replaced


def missing_message(keyword: str) -> str:
    return f"keyword {keyword} has no value; {SUPPLY_HINT.replace('KEY', keyword)}"


def keywords_replace_document(text: str, *, keywords: Mapping[str, object]) -> tuple[str, dict[str, MissingKeyword]]:
    """Replace the markers of a document (database.json, tenant.yaml) that have values; put a placeholder
    string, unique to this call, in place of each one that has none.

    Returns the text and {placeholder: MissingKeyword}; keywords_placeholders_resolve turns a parsed value
    that is exactly one placeholder into its MissingKeyword and reports every other use."""
    nonce = secrets.token_hex(8)
    placeholders: dict[str, MissingKeyword] = {}

    def replace(match: re.Match) -> str:
        json_key, literal_key = match.groups()
        key = json_key or literal_key
        if key in keywords:
            return json.dumps(keywords[key]) if json_key else _literal(keywords[key])
        placeholder = f"__trickle_missing_keyword_{nonce}_{len(placeholders)}__"  # safe in JSON and YAML
        placeholders[placeholder] = MissingKeyword(keyword=key, marker=match.group(0))
        # @@KEY@@ stands for a whole JSON value, so its placeholder is a (quoted) string too.
        return f'"{placeholder}"' if json_key else placeholder

    return MARKER_RE.sub(replace, text), placeholders


def keywords_placeholders_resolve(
    value: object, *, placeholders: dict[str, MissingKeyword], missing: list[str]
) -> object:
    """`value` with each string that is exactly one placeholder replaced by its MissingKeyword; the
    keywords of placeholders found inside longer strings or in object keys are appended to `missing`."""
    if not placeholders:
        return value
    if isinstance(value, dict):
        for key in value:
            _embedded(str(key), placeholders, missing)
        return {
            k: keywords_placeholders_resolve(v, placeholders=placeholders, missing=missing) for k, v in value.items()
        }
    if isinstance(value, list):
        return [keywords_placeholders_resolve(v, placeholders=placeholders, missing=missing) for v in value]
    if isinstance(value, str):
        if value in placeholders:
            return placeholders[value]
        _embedded(value, placeholders, missing)
    return value


def _embedded(text: str, placeholders: dict[str, MissingKeyword], missing: list[str]) -> None:
    if "__trickle_missing_keyword_" not in text:
        return
    for placeholder, marker in placeholders.items():
        if placeholder in text and marker.keyword not in missing:
            missing.append(marker.keyword)


def keywords_replace_value(value: object, *, keywords: Mapping[str, object]) -> object:
    """Markers replaced inside an already parsed value (tests.json): a string that is exactly one marker
    becomes the keyword's value, or a MissingKeyword when it has none; markers inside longer strings are
    replaced as text, and a missing one there stays a MissingKeyword for the whole string."""
    if isinstance(value, dict):
        return {k: keywords_replace_value(v, keywords=keywords) for k, v in value.items()}
    if isinstance(value, list):
        return [keywords_replace_value(v, keywords=keywords) for v in value]
    if not isinstance(value, str) or not MARKER_RE.search(value):
        return value
    whole = MARKER_RE.fullmatch(value)
    if whole:
        key = whole.group(1) or whole.group(2)
        return keywords[key] if key in keywords else MissingKeyword(keyword=key, marker=value)
    try:
        return keywords_replace(value, keywords=keywords, file="")
    except AsCodeRejected:
        missing = next(
            m.group(1) or m.group(2) for m in MARKER_RE.finditer(value) if (m.group(1) or m.group(2)) not in keywords
        )
        return MissingKeyword(keyword=missing, marker=value)
