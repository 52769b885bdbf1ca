"""The compatibility corpus: scripts written by us in the styles real users write (corpus/*.js),
each with its expected outcome in its header (`// kind:`, `// args:`, `// expect:` as JSON)."""

import json
import re
from pathlib import Path

import pytest

from .conftest import ALICE, PASSWORD

pytestmark = pytest.mark.scriptd

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.js"))
HEADER = re.compile(r"^// (kind|args|expect|wrong-password): (.*)$", re.MULTILINE)


def header(path: Path) -> dict:
    found = dict(HEADER.findall(path.read_text()))
    return {
        "kind": found.get("kind", "login"),
        "args": json.loads(found.get("args", json.dumps([ALICE, PASSWORD]))),
        "expect": json.loads(found["expect"]),
        # the error name the script answers with for the right user and a wrong password
        "wrong_password": found.get("wrong-password"),
    }


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_script(run, path):
    spec = header(path)
    expect = spec["expect"]
    timeout_ms = 1000 if expect["status"] == "timeout" else 5000
    outcome = run(path.read_text(), kind=spec["kind"], args=spec["args"], timeout_ms=timeout_ms)
    assert outcome.status == expect["status"], outcome.result
    if "value" in expect:
        assert outcome.value == expect["value"]
    for key in ("name", "code"):
        if key in expect:
            assert outcome.error.get(key) == expect[key], outcome.error


WITH_WRONG_PASSWORD = [p for p in CORPUS if header(p)["wrong_password"]]


@pytest.mark.parametrize("path", WITH_WRONG_PASSWORD, ids=[p.stem for p in WITH_WRONG_PASSWORD])
def test_corpus_script_with_a_wrong_password(run, path):
    spec = header(path)
    args = [spec["args"][0], "not-" + PASSWORD, *spec["args"][2:]]
    outcome = run(path.read_text(), kind=spec["kind"], args=args, timeout_ms=5000)
    assert outcome.status == "error", outcome.result
    assert outcome.error["name"] == spec["wrong_password"], outcome.error
