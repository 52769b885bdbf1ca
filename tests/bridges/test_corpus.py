"""The compatibility corpus: scripts written by us in the styles real users write (corpus/*.js),
each with its expected outcome in its header (`// kind:`, `// args:`, `// expect:` as JSON)."""

import json
import re
from pathlib import Path

import pytest

from .conftest import ALICE, PASSWORD

pytestmark = pytest.mark.scriptd

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.js"))
HEADER = re.compile(r"^// (kind|args|expect): (.*)$", re.MULTILINE)


def header(path: Path) -> dict:
    found = dict(HEADER.findall(path.read_text()))
    return {
        "kind": found.get("kind", "login"),
        "args": json.loads(found.get("args", json.dumps([ALICE, PASSWORD]))),
        "expect": json.loads(found["expect"]),
    }


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 20


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
