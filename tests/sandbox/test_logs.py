"""Logs: captured with level and time, redacted, capped, and attributed to the run that wrote them."""

import json
from datetime import datetime

import pytest

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


def test_passwords_and_configuration_values_are_redacted(run):
    source = """function login(email, password, callback) {
      console.log('login', email, password);
      console.log(JSON.stringify({ password, key: configuration.apiKey }));
      console.log({ password, quote: configuration.quoted });
      console.log('key=' + configuration.apiKey + ';');
      callback(new Error('bad ' + password));
    }"""
    outcome = run(
        source, args=["alice@example.com", 'pa"55\\word'], configuration={"apiKey": "k-9f8e7d", "quoted": "it's"}
    )
    text = "\n".join(line["text"] for line in outcome.logs)
    for secret in ['pa"55\\word', 'pa\\"55\\\\word', "k-9f8e7d", "it's", "it\\'s"]:
        assert secret not in text
    assert "login alice@example.com ********" in text
    assert "key=********;" in text
    assert outcome.error["message"] == "bad ********"


def test_new_passwords_of_create_and_change_password_are_redacted(run):
    create = run(
        "function create(user, cb) { console.log(user.email, user.password); cb(null); }",
        kind="create",
        args=[{"email": "a@b.c", "password": "brand-new-pw"}],
    )
    change = run(
        "function changePassword(email, newPassword, cb) { console.log(email, newPassword); cb(null, true); }",
        kind="change_password",
        args=["a@b.c", "other-new-pw"],
    )
    assert [line["text"] for line in create.logs] == ["a@b.c ********"]
    assert [line["text"] for line in change.logs] == ["a@b.c ********"]


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


def test_result_values_are_redacted_at_any_depth_keeping_their_shape(run):
    source = """function login(email, password, callback) {
      callback(null, { note: configuration.DB_PASSWORD, pw: password, user_id: 'postgres-legacy|' + email, n: 5,
                       ok: true, none: null, nested: [1, [password, { deep: [configuration.DB_PASSWORD] }]],
                       [password]: 'key', names: { [configuration.DB_USER]: configuration.DB_USER } });
    }"""
    outcome = run(
        source,
        args=["alice@example.com", "typed-pa55"],
        configuration={"DB_PASSWORD": "s3cr3t-db", "DB_USER": "postgres"},
        mode="warm",
        connection_id="con_redact_value",
    )
    assert outcome.status == "ok", outcome.result
    assert "typed-pa55" not in json.dumps(outcome.result)
    assert "s3cr3t-db" not in json.dumps(outcome.result)
    # Strings that are a secret are masked; data that merely contains a configuration word is kept
    # (the value of a login is the user's profile).
    assert outcome.value == {
        "note": "********",
        "pw": "********",
        "user_id": "postgres-legacy|alice@example.com",
        "n": 5,
        "ok": True,
        "none": None,
        "nested": [1, ["********", {"deep": ["********"]}]],
        "********": "key",
        "names": {"********": "********"},
    }


def test_the_new_password_of_create_is_redacted_in_its_value(run):
    outcome = run(
        "function create(user, cb) { cb(null, { echo: [user] }); }",
        kind="create",
        args=[{"email": "a@b.c", "password": "brand-new-pw"}],
    )
    assert outcome.value == {"echo": [{"email": "a@b.c", "password": "********"}]}
