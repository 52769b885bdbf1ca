"""A Try run's inputs: checked per script, split into what may be stored and the passwords that may not.

Arguments are keyed by each parameter's `argument_key` in scripts_editor.scripts (the keys the API takes,
listed in README "Try panel endpoints"), and shaped as its `shape` says.
"""

from typing import Any

from django.core.exceptions import ValidationError

from scriptd_client.masking import MASK

from ..scripts import BOOLEAN, BY_KEY, OBJECT, PASSWORD, TEXT, USER, USER_FIELDS, ScriptSpec

REDACTED = MASK  # the mask of every secret in run output
PYTHON_TYPES = {TEXT: str, PASSWORD: str, BOOLEAN: bool, OBJECT: dict, USER: dict}
USER_TYPES = {f.name: PYTHON_TYPES[f.shape] for f in USER_FIELDS}


def _expect(value: Any, kind: type, name: str) -> None:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ValidationError({"args": f"{name} must be {'true or false' if kind is bool else 'a ' + kind.__name__}."})


def run_arguments_clean(*, script: str, args: Any) -> dict[str, Any]:
    """The arguments if they fit the script's parameters; ValidationError naming the first problem."""
    if not isinstance(args, dict):
        raise ValidationError({"args": "args must be an object keyed by the script's parameter names."})
    expected = BY_KEY[script].argument_keys
    unknown, missing = sorted(set(args) - set(expected)), [p for p in expected if p not in args]
    if unknown or missing:
        raise ValidationError(
            {
                "args": f"{script} takes {', '.join(expected)}"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                + (f"; missing: {', '.join(missing)}" if missing else "")
            }
        )
    for parameter in BY_KEY[script].parameters:
        name = parameter.argument_key
        _expect(args[name], PYTHON_TYPES[parameter.shape], name)
        if parameter.shape == USER:
            for key, value in args[name].items():
                if key not in USER_TYPES:
                    raise ValidationError(
                        {"args": f"{name}.{key} is not a field of the user object ({', '.join(USER_TYPES)})."}
                    )
                _expect(value, USER_TYPES[key], f"{name}.{key}")
            for field in USER_FIELDS:
                if field.required and field.name not in args[name]:
                    raise ValidationError({"args": f"{name}.{field.name} is required."})
    return args


def _password_paths(spec: ScriptSpec) -> list[str]:
    """The spec's password positions as dotted argument keys ("password", "user.password")."""
    return [".".join([spec.parameters[index].argument_key, *map(str, rest)]) for index, *rest in spec.password_paths]


def _subject_paths(spec: ScriptSpec) -> list[str]:
    """Whom a run was for: its plain-text inputs (never a password or a flag); for a user object, its required
    fields (the email)."""
    paths = []
    for parameter in spec.parameters:
        if parameter.shape == TEXT:
            paths.append(parameter.argument_key)
        elif parameter.shape == USER:
            paths += [f"{parameter.argument_key}.{f.name}" for f in USER_FIELDS if f.required]
    return paths


def _get(args: dict, path: str) -> Any:
    head, _, rest = path.partition(".")
    return _get(args.get(head) or {}, rest) if rest else args.get(head)


def _with(args: dict, path: str, value: Any) -> dict:
    head, _, rest = path.partition(".")
    return {**args, head: _with(args.get(head) or {}, rest, value) if rest else value}


def run_arguments_split(*, script: str, args: dict) -> tuple[dict, dict[str, str]]:
    """(arguments with every password replaced by REDACTED, {path: raw password}) for storing and sending apart."""
    paths = _password_paths(BY_KEY[script])
    secrets = {path: _get(args, path) for path in paths if _get(args, path) is not None}
    redacted = args
    for path in secrets:
        redacted = _with(redacted, path, REDACTED)
    return redacted, secrets


def run_arguments_join(*, redacted: dict, secrets: dict[str, str]) -> dict:
    """The inverse of run_arguments_split: the raw passwords put back in place."""
    for path, value in secrets.items():
        redacted = _with(redacted, path, value)
    return redacted


def run_arguments_subject(*, script: str, args: object) -> str:
    """Whom the run was for, e.g. "ada@example.com" or "old@x → new@x" for change_email; "" when unknown."""
    if not isinstance(args, dict):
        return ""
    values = [_get(args, path) for path in _subject_paths(BY_KEY[script])] if script in BY_KEY else []
    return " → ".join(str(v) for v in values if isinstance(v, str | int) and not isinstance(v, bool) and v != "")


def run_arguments_positional(*, script: str, args: dict) -> list[Any]:
    """The list the script's function receives, in its signature's order."""
    return [args[name] for name in BY_KEY[script].argument_keys]


# How the Try form asks for each shape (frontend/src/try/inputs.js).
INPUT_TYPES = {TEXT: "text", PASSWORD: "password", BOOLEAN: "checkbox", OBJECT: "json"}


def _input_fields(spec: ScriptSpec) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = []
    for parameter in spec.parameters:
        if parameter.shape == USER:
            for f in USER_FIELDS:
                if f.label:
                    field = {
                        "name": f"{parameter.argument_key}.{f.name}",
                        "label": f.label,
                        "type": INPUT_TYPES[f.shape],
                    }
                    fields.append({**field, "optional": True} if f.optional else field)
        else:
            fields.append(
                {"name": parameter.argument_key, "label": parameter.label, "type": INPUT_TYPES[parameter.shape]}
            )
    return fields


# The Try form's inputs per script, as JSON for the page: dotted names build nested args (user.email).
INPUT_FIELDS: dict[str, list[dict[str, Any]]] = {key: _input_fields(spec) for key, spec in BY_KEY.items()}
