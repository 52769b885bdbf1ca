"""The compatibility corpus: scripts written by us in the styles real users write (corpus/*.js),
each with its expected outcome in its header (`// kind:`, `// args:`, `// expect:` as JSON), run
through scriptd twice: with the right password and with a wrong one.

The wrong password is the user's (`login`, `create`'s user.password, `change_password`'s new one),
or, with `// wrong-secret: KEY`, the store's: the configuration value KEY is spoilt (MYSQL_PASSWORD,
API_TOKEN). PostgreSQL on this machine trusts 127.0.0.1 and would take any password, so for PG_URL
the role is spoilt too, and the server refuses it as it would a wrong password. `// wrong-password:`
is the outcome then: an error name, a JSON expectation like `expect`, or `same` for a script whose
answer does not depend on any password (it says why in its header)."""

import json
import re
from pathlib import Path

import pytest

from .conftest import ALICE, PASSWORD

pytestmark = pytest.mark.scriptd

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.js"))
HEADER = re.compile(r"^// (kind|args|expect|wrong-password|wrong-secret): (.*)$", re.MULTILINE)
WRONG = "not-" + PASSWORD


def header(path: Path) -> dict:
    found = dict(HEADER.findall(path.read_text()))
    return {
        "kind": found.get("kind", "login"),
        "args": json.loads(found.get("args", json.dumps([ALICE, PASSWORD]))),
        "expect": json.loads(found["expect"]),
        "wrong_password": found.get("wrong-password"),
        "wrong_secret": found.get("wrong-secret"),
    }


def wrong_expectation(spec: dict) -> dict:
    """What the run with a wrong password answers (see the module's docstring)."""
    text = spec["wrong_password"].split(" (")[0].strip()
    if text == "same":
        return spec["expect"]
    if text.startswith("{"):
        return json.loads(text)
    return {"status": "error", "name": text}


def with_a_wrong_password(spec: dict, config: dict) -> tuple[list, dict]:
    """The script's arguments and configuration with one password made wrong."""
    args = json.loads(json.dumps(spec["args"]))
    config = dict(config)
    secret = spec["wrong_secret"]
    if secret == "PG_URL":
        config["PG_URL"] = config["PG_URL"].replace("postgres@", f"trickle_no_such_role:{WRONG}@")
    elif secret:
        assert secret in config, secret
        config[secret] = WRONG
    elif spec["kind"] in ("login", "change_password"):
        args[1] = WRONG
    elif spec["kind"] == "create":
        args[0]["password"] = WRONG
    else:
        raise AssertionError(f"a {spec['kind']} script takes no password: name a wrong-secret")
    return args, config


def test_the_corpus_is_large_enough_and_every_script_has_a_wrong_password_run():
    assert len(CORPUS) >= 40
    assert [p.name for p in CORPUS if not header(p)["wrong_password"]] == []


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_script(run, path):
    spec = header(path)
    expect = spec["expect"]
    timeout_ms = 1000 if expect["status"] == "timeout" else 5000
    outcome = run(path.read_text(), kind=spec["kind"], args=spec["args"], timeout_ms=timeout_ms)
    check(outcome, expect)


def check(outcome, expect):
    assert outcome.status == expect["status"], outcome.result
    if "value" in expect:
        assert outcome.value == expect["value"]
    for key in ("name", "code"):
        if key in expect:
            assert outcome.error.get(key) == expect[key], outcome.error


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_script_with_a_wrong_password(run, config, path):
    spec = header(path)
    expect = wrong_expectation(spec)
    args, wrong_config = with_a_wrong_password(spec, config)
    timeout_ms = 1000 if expect["status"] == "timeout" else 5000
    outcome = run(path.read_text(), kind=spec["kind"], args=args, configuration=wrong_config, timeout_ms=timeout_ms)
    check(outcome, expect)
