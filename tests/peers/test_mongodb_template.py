"""The MongoDB template's seven scripts in plain Node against the MongoDB wire peer, with the driver
it pins (mongodb 6) and with its pin moved to each older major: the same lives as
tests/bridges/test_templates.py runs through scriptd."""

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from scriptd_client.node import SANDBOX_DIR, scriptd_node
from scripts_editor.script_templates import template_bodies
from scripts_editor.scripts import BY_KEY
from tests.bridges.conftest import MONGO_PASSWORD, MONGO_USER, seed_mongo_users
from tests.bridges.test_templates import CONNECTION, unknown_users, whole_life
from tests.fixtures.mongo_peer import mongo_peer

RUNNER = Path(__file__).resolve().parent / "run_script.js"


def plain_node_run(*, configuration, modules):
    """A `run` like tests/bridges/conftest.py's, executing the script in plain Node (run_script.js)."""

    def run(source, *, kind="login", args=None, **_):
        request = {
            "source": source,
            "function_names": BY_KEY[kind].for_scriptd()["function_names"],
            "args": args or [],
            "configuration": configuration,
            "modules": modules,
        }
        done = subprocess.run(
            [scriptd_node(), str(RUNNER)], input=json.dumps(request), capture_output=True, text=True, timeout=60
        )
        assert done.stdout.strip(), done.stderr[-2000:]
        out = json.loads(done.stdout.strip().splitlines()[-1])
        return SimpleNamespace(status=out["status"], value=out.get("value"), error=out.get("error"), result=out)

    return run


@pytest.fixture(scope="module")
def store():
    with mongo_peer(user=MONGO_USER, password=MONGO_PASSWORD) as peer:
        seed_mongo_users(peer)
        yield peer


@pytest.mark.parametrize("major", ["6", "5", "4", "3"])
def test_the_template_s_lives_on_each_major(store, packages, major):
    bodies = {
        key: body.replace("require('mongodb@6')", f"require('mongodb@{major}')")
        for key, body in template_bodies("mongodb", connection_name=CONNECTION).items()
    }
    run = plain_node_run(
        configuration={"MONGO_URI": store.uri("legacy", options="authSource=legacy"), "MONGO_DATABASE": "legacy"},
        modules={
            f"mongodb@{major}": packages("mongodb", major),
            "bcrypt": str(SANDBOX_DIR / "node_modules" / "bcrypt"),
        },
    )
    whole_life(run, bodies)
    unknown_users(run, bodies)
