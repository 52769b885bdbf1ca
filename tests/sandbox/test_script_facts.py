"""Python and Node agree on the seven scripts: scriptd knows no script kinds of its own, so every function name
it acts on is the one scripts_editor/scripts.py (ScriptSpec) sends with the run, and the passwords masked in
a run's output are the ones ScriptSpec says."""

import json

import pytest

from scriptd_client.masking import Masker
from scripts_editor.runs.arguments import run_arguments_positional
from scripts_editor.scripts import BOOLEAN, PASSWORD, SCRIPTS, USER, ScriptSpec

MARK = "********"  # scriptd_client.masking.MASK


def _arguments(spec: ScriptSpec) -> list:
    """One argument per parameter, by shape; every password is a distinct, recognisable string."""
    value = {
        PASSWORD: lambda p: f"pw-{p.name}-5ecret",
        BOOLEAN: lambda p: True,
        USER: lambda p: {"email": "ada@example.com", "password": "pw-user-5ecret", "username": "ada"},
    }
    return [value.get(p.shape, lambda p: f"plain-{p.name}")(p) for p in spec.parameters]


@pytest.mark.parametrize(
    ("spec", "name"), [(s, n) for s in SCRIPTS for n in s.function_names], ids=lambda v: getattr(v, "key", v)
)
def test_scriptd_calls_each_function_name_the_spec_gives(run, spec, name):
    # Two top-level functions: scriptd can only pick the right one by the names the request carries.
    source = f"function helper() {{ return 'wrong'; }}\nfunction {name}(...a) {{ a[a.length - 1](null, '{name}'); }}"
    outcome = run(source, kind=spec.key, args=_arguments(spec))
    assert (outcome.status, outcome.value) == ("ok", name), outcome.result


@pytest.mark.parametrize("spec", SCRIPTS, ids=lambda s: s.key)
def test_the_masker_hides_exactly_the_arguments_the_spec_says_are_passwords(run, spec):
    args = _arguments(spec)
    source = (
        f"function {spec.function_names[0]}(...a) {{ console.log(JSON.stringify(a.slice(0, -1))); a[a.length - 1](); }}"
    )
    outcome = run(source, kind=spec.key, args=args)
    assert outcome.status == "ok", outcome.result
    mask = Masker.for_run(configuration={}, plain_keys=(), passwords=spec.passwords(args))
    logged = json.loads(mask.text(outcome.logs[0]["text"]))
    expected = json.loads(json.dumps(args))
    for index, *inside in spec.password_paths:
        if inside:
            expected[index][inside[0]] = MARK
        else:
            expected[index] = MARK
    assert logged == expected
    assert bool(spec.password_paths) == (MARK in mask.text(outcome.logs[0]["text"]))


def test_the_try_argument_keys_stay_the_documented_contract():
    # README "Try panel endpoints": login takes `email` although Auth0's signature says userNameOrEmail.
    documented = {
        "login": ["email", "password"],
        "get_user": ["email"],
        "create": ["user"],
        "verify": ["email"],
        "change_password": ["email", "newPassword"],
        "delete": ["id"],
        "change_email": ["email", "newEmail", "verified"],
    }
    assert {s.key: list(s.argument_keys) for s in SCRIPTS} == documented
    assert run_arguments_positional(script="login", args={"password": "p", "email": "e"}) == ["e", "p"]
