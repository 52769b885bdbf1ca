"""Logs: captured with level and time, capped, attributed to the run that wrote them, and maskable."""

import json
from datetime import datetime

import pytest

from scriptd_client.masking import MASK, Masker
from scripts_editor.scripts import BY_KEY

pytestmark = pytest.mark.scriptd


def test_console_levels_and_times_are_captured_in_order(run):
    source = "function login(e, p, cb) { console.log('one', 1, { a: [1] }); console.info('two'); console.warn('three'); console.error('four'); cb(null, 1); }"
    logs = run(source).logs
    assert [(line["level"], line["text"]) for line in logs] == [
        ("log", "one 1 { a: [ 1 ] }"),
        ("info", "two"),
        ("warn", "three"),
        ("error", "four"),
    ]
    assert all(datetime.fromisoformat(line["time"].replace("Z", "+00:00")) for line in logs)


def _masker(kind, args, configuration, plain_keys=()):
    """The run's masker, as Try runs and login flows build it."""
    return Masker.for_run(configuration=configuration, plain_keys=plain_keys, passwords=BY_KEY[kind].passwords(args))


def test_scriptd_reports_output_as_produced_and_the_masker_catches_every_form_node_prints(run):
    source = """function login(email, password, callback) {
      console.log('login', email, password);
      console.log(JSON.stringify({ password, key: configuration.apiKey }));
      console.log({ password, quote: configuration.quoted });
      console.log('key=' + configuration.apiKey + ';');
      callback(new Error('bad ' + password));
    }"""
    args = ["alice@example.com", 'pa"55\\word']
    configuration = {"apiKey": "k-9f8e7d-long", "quoted": "it's-quoted"}
    outcome = run(source, args=args, configuration=configuration)
    raw = "\n".join(line["text"] for line in outcome.logs)
    assert "k-9f8e7d-long" in raw  # scriptd itself masks nothing: Django decides what is secret
    mask = _masker("login", args, configuration)
    text = mask.text(raw)
    for secret in ['pa"55\\word', 'pa\\"55\\\\word', "k-9f8e7d-long", "it's-quoted", "it\\'s-quoted"]:
        assert secret not in text
    assert f"login alice@example.com {MASK}" in text
    assert f"key={MASK};" in text
    assert mask.value(outcome.error)["message"] == f"bad {MASK}"
    assert "55\\" not in json.dumps(mask.value(outcome.error))  # the stack too


def test_new_passwords_of_create_and_change_password_are_masked(run):
    create_args = [{"email": "a@b.c", "password": "brand-new-pw"}]
    create = run(
        "function create(user, cb) { console.log(user.email, user.password); cb(null); }",
        kind="create",
        args=create_args,
    )
    change_args = ["a@b.c", "other-new-pw"]
    change = run(
        "function changePassword(email, newPassword, cb) { console.log(email, newPassword); cb(null, true); }",
        kind="change_password",
        args=change_args,
    )
    assert [_masker("create", create_args, {}).text(line["text"]) for line in create.logs] == [f"a@b.c {MASK}"]
    assert [_masker("change_password", change_args, {}).text(line["text"]) for line in change.logs] == [f"a@b.c {MASK}"]


def test_log_lines_are_capped_with_one_marker(run):
    outcome = run(
        "function login(e, p, cb) { for (let i = 0; i < 50; i++) console.log('line ' + i); cb(null, 'done'); }",
        log_lines=10,
    )
    assert outcome.value == "done"
    assert [line["text"] for line in outcome.logs[:10]] == [f"line {i}" for i in range(10)]
    assert len(outcome.logs) == 11
    assert "log limit reached" in outcome.logs[10]["text"]
    assert outcome.result["logs_dropped"] == 40


def test_log_bytes_are_capped(run):
    outcome = run(
        "function login(e, p, cb) { for (let i = 0; i < 100; i++) console.log('x'.repeat(1000)); cb(null, 'done'); }",
        log_bytes=10_000,
    )
    assert sum(len(line["text"]) for line in outcome.logs[:-1]) <= 10_000
    assert "log limit reached" in outcome.logs[-1]["text"]


def test_a_log_flood_does_not_stop_the_run(run):
    # Far past the cap; the generous limit keeps it about the cap, not the speed of a loaded CI machine.
    outcome = run(
        "function login(e, p, cb) { for (let i = 0; i < 50000; i++) console.log(i); cb(null, 'survived'); }",
        timeout_ms=30000,
    )
    assert outcome.value == "survived"
    assert len(outcome.logs) == 1001


def test_late_output_of_an_earlier_run_is_not_attributed_to_the_next(run):
    early = """function login(e, p, cb) {
      setTimeout(() => console.log('late line from run A'), 30);
      console.log('run A');
      cb(null, 'A');
    }"""
    later = "function login(e, p, cb) { console.log('run B'); setTimeout(() => cb(null, 'B'), 100); }"
    a = run(early, mode="warm", connection_id="con_logs", revision="r1")
    b = run(later, mode="warm", connection_id="con_logs", revision="r1", kind="login")
    assert [line["text"] for line in a.logs] == ["run A"]
    assert (b.value, [line["text"] for line in b.logs]) == ("B", ["run B"])


def test_result_values_are_masked_at_any_depth_keeping_their_shape(run):
    source = """function login(email, password, callback) {
      callback(null, { note: configuration.DB_PASSWORD, pw: password, user_id: 'postgres-legacy|' + email, n: 5,
                       ok: true, none: null, nested: [1, [password, { deep: ['in:' + configuration.DB_PASSWORD] }]],
                       [password]: 'key', names: { [configuration.DB_USER]: configuration.DB_USER } });
    }"""
    args = ["alice@example.com", "typed-pa55"]
    configuration = {"DB_PASSWORD": "s3cr3t-db", "DB_USER": "postgres"}
    outcome = run(source, args=args, configuration=configuration, mode="warm", connection_id="con_redact_value")
    assert outcome.status == "ok", outcome.result
    assert outcome.value["pw"] == "typed-pa55"  # the flow goes on with the script's own answer
    # DB_USER is plain (a user name, not a secret), so the profile's words stay as they are.
    masked = _masker("login", args, configuration, plain_keys={"DB_USER"}).value(outcome.value)
    assert "typed-pa55" not in json.dumps(masked)
    assert "s3cr3t-db" not in json.dumps(masked)
    assert masked == {
        "note": MASK,
        "pw": MASK,
        "user_id": "postgres-legacy|alice@example.com",
        "n": 5,
        "ok": True,
        "none": None,
        "nested": [1, [MASK, {"deep": [f"in:{MASK}"]}]],
        MASK: "key",
        "names": {"postgres": "postgres"},
    }


def test_the_new_password_of_create_is_masked_in_its_value(run):
    args = [{"email": "a@b.c", "password": "brand-new-pw"}]
    outcome = run("function create(user, cb) { cb(null, { echo: [user] }); }", kind="create", args=args)
    assert _masker("create", args, {}).value(outcome.value) == {"echo": [{"email": "a@b.c", "password": MASK}]}
