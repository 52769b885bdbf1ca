"""Keyword replacement as auth0-deploy-cli does it, but a missing keyword is an error, never left in place.

`@@KEY@@` becomes the JSON-encoded value (so it can stand for a number, an array or a quoted string) and
`##KEY##` the value itself. Replacement runs over the raw text of database.json, tenant.yaml and every
script file, before anything is parsed.
"""

import json
import re
from collections.abc import Mapping
from pathlib import Path

from .exceptions import AsCodeProblem, AsCodeRejected

MARKER_RE = re.compile(r"@@(\w+)@@|##(\w+)##")


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
        raise AsCodeRejected([AsCodeProblem(file, f"keyword {key} has no value") for key in missing])
    return replaced
