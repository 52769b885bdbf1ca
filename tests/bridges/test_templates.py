"""The editor's PostgreSQL, MySQL, REST API and MongoDB templates, every script's happy and error
paths, against the real PostgreSQL and MariaDB, the local HTTP API and the MongoDB wire peer
(tests/fixtures/mongo_peer.py). tests/peers/ runs the same lives in plain Node."""

import secrets

import pytest

from scripts_editor.script_templates import template_bodies
from scripts_editor.scripts import SCRIPT_KEYS

from .conftest import ALICE, PASSWORD

pytestmark = pytest.mark.scriptd

TEMPLATES = ["postgres", "mysql", "rest_api", "mongodb"]
CONNECTION = "legacy-db"


def outcome(run, bodies, key, *args, **kwargs):
    return run(bodies[key], kind=key, args=list(args), **kwargs)


def value_of(result):
    assert result.status == "ok", result.result
    return result.value


def error_of(result, name="Error"):
    assert result.status == "error", result.result
    assert result.error["name"] == name, result.error
    return result.error


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_user_s_whole_life_through_the_template(run, template):
    whole_life(run, template_bodies(template, connection_name=CONNECTION))


def whole_life(run, bodies):
    """create, login, get_user, verify, change_password, change_email and delete of one new user."""
    email = f"new-{secrets.token_hex(3)}@example.com"
    newer = f"moved-{secrets.token_hex(3)}@example.com"

    assert (
        value_of(outcome(run, bodies, "create", {"email": email, "password": "first-pa55", "username": "newbie"}))
        is None
    )
    error = error_of(outcome(run, bodies, "create", {"email": email, "password": "other-pa55"}), "ValidationError")
    assert error["code"] == "user_exists"

    profile = value_of(outcome(run, bodies, "login", email, "first-pa55"))
    assert profile["email"] == email and profile["nickname"] == "newbie" and profile["email_verified"] is False
    assert profile["user_id"].startswith(f"{CONNECTION}|")
    assert value_of(outcome(run, bodies, "get_user", email)) == profile
    error_of(outcome(run, bodies, "login", email, "wrong"), "WrongUsernameOrPasswordError")

    assert value_of(outcome(run, bodies, "verify", email)) is True
    assert value_of(outcome(run, bodies, "get_user", email))["email_verified"] is True

    assert value_of(outcome(run, bodies, "change_password", email, "second-pa55")) is True
    error_of(outcome(run, bodies, "login", email, "first-pa55"), "WrongUsernameOrPasswordError")
    value_of(outcome(run, bodies, "login", email, "second-pa55"))

    assert value_of(outcome(run, bodies, "change_email", email, newer, True)) is True
    assert value_of(outcome(run, bodies, "get_user", email)) is None
    assert value_of(outcome(run, bodies, "login", newer, "second-pa55"))["user_id"] == profile["user_id"]

    assert value_of(outcome(run, bodies, "delete", profile["user_id"])) is None
    assert value_of(outcome(run, bodies, "get_user", newer)) is None


@pytest.mark.parametrize("template", TEMPLATES)
def test_unknown_users(run, template):
    unknown_users(run, template_bodies(template, connection_name=CONNECTION))


def unknown_users(run, bodies):
    """Every script asked about a user the store does not have; then alice (seeded) still logs in."""
    nobody = "nobody@example.com"
    error_of(outcome(run, bodies, "login", nobody, PASSWORD), "WrongUsernameOrPasswordError")
    assert value_of(outcome(run, bodies, "get_user", nobody)) is None
    assert "no user with this email" in error_of(outcome(run, bodies, "verify", nobody))["message"]
    assert value_of(outcome(run, bodies, "change_password", nobody, "x")) is False
    assert value_of(outcome(run, bodies, "change_email", nobody, "other@example.com", True)) is False
    assert value_of(outcome(run, bodies, "delete", f"{CONNECTION}|999999")) is None
    assert value_of(outcome(run, bodies, "login", ALICE, PASSWORD))["email"] == ALICE


ARGS = {
    "login": [ALICE, PASSWORD],
    "get_user": [ALICE],
    "create": [{"email": "c@example.com", "password": "x"}],
    "verify": [ALICE],
    "change_password": [ALICE, "x"],
    "delete": ["legacy-db|64b7f0c2a1b2c3d4e5f60718"],  # a MongoDB ObjectId too: every store is asked
    "change_email": [ALICE, "d@example.com", True],
}


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("key", SCRIPT_KEYS)
def test_an_unreachable_store_is_a_clear_error(run, template, key):
    """With the store not on the allow-list every script answers an Error naming the refusal (no hang).
    The MongoDB driver retries server selection for its 5 s before it gives up: more time for the run."""
    bodies = template_bodies(template, connection_name=CONNECTION)
    error = error_of(run(bodies[key], kind=key, args=ARGS[key], egress_allowlist=[], timeout_ms=15000))
    assert "is not allowed" in error["message"], error


@pytest.mark.parametrize("major", ["3", "4", "5", "6"])
def test_the_mongodb_template_on_each_major_of_the_catalog(run, major):
    """The template pins mongodb@6; with the pin moved, each major the catalog serves runs its lives."""
    bodies = {
        key: body.replace("require('mongodb@6')", f"require('mongodb@{major}')")
        for key, body in template_bodies("mongodb", connection_name=CONNECTION).items()
    }
    whole_life(run, bodies)
    unknown_users(run, bodies)
