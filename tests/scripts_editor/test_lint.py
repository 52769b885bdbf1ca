"""Each lint rule with a script that triggers it and one that does not, through the real Node linter."""

import json
import subprocess

import pytest

from scripts_editor.lint import LINT_CLI, scripts_lint
from scripts_editor.script_templates import BY_KEY, TEMPLATES, template_bodies

ALLOWLIST = {
    "modules": {
        name: {"kind": "bundled", "note": ""} for name in ("bcryptjs", "uuid", "pg", "mysql2/promise", "axios")
    },
    "aliases": {"bcrypt": "bcryptjs"},
}


def findings_of(key: str, body: str, *, context: bool = False) -> list:
    report = scripts_lint(scripts={key: body}, context=context, allowlist=ALLOWLIST)
    assert report.syntax_errors == []
    return report.findings


def rules_of(key: str, body: str, **kwargs) -> set[str]:
    return {f.rule for f in findings_of(key, body, **kwargs)}


GOOD_LOGIN = """function login(email, password, callback) {
  if (!email) return callback(new WrongUsernameOrPasswordError(email));
  return callback(null, { user_id: 'legacy-db|' + 42, email: email });
}"""

# (rule, script key, a script that triggers it, a similar script that does not)
CASES = [
    ("no-function", "verify", "var x = 1;", "function verify(email, callback) { callback(null, true); }"),
    (
        "anonymous-function",
        "verify",
        "function (email, callback) { callback(null, true); }",
        "function verify(email, callback) { callback(null, true); }",
    ),
    (
        "signature",
        "change_password",
        "function changePassword(email, callback) { callback(null, true); }",
        "function changePassword(email, newPassword, callback) { callback(null, true); }",
    ),
    (
        "no-callback",
        "verify",
        "function verify(email, callback) { return true; }",
        "function verify(email, callback) { setTimeout(function () { callback(null, true); }, 1); }",
    ),
    (
        "callback-twice",
        "verify",
        "function verify(email, callback) {\n  if (!email) callback(new Error('no email'));\n  callback(null, true);\n}",
        "function verify(email, callback) {\n  if (!email) return callback(new Error('no email'));\n  callback(null, true);\n}",
    ),
    (
        "random-user-id",
        "login",
        "function login(email, password, callback) {\n  const id = Math.random();\n"
        "  callback(null, { user_id: 'legacy-db|' + id, email: email });\n}",
        GOOD_LOGIN,
    ),
    (
        "missing-user-id",
        "get_user",
        "function getUser(email, callback) { callback(null, { email: email }); }",
        "function getUser(email, callback) { callback(null, { user_id: 'legacy-db|1', email: email }); }",
    ),
    (
        "app-metadata",
        "login",
        "function login(email, password, callback) {\n"
        "  callback(null, { user_id: 'legacy-db|1', app_metadata: { plan: 'gold' } });\n}",
        "function login(email, password, callback) {\n"
        "  callback(null, { user_id: 'legacy-db|1', metadata: { plan: 'gold' } });\n}",
    ),
    (
        "hardcoded-secret",
        "verify",
        "function verify(email, callback) {\n  const url = 'postgres://admin:s3cret@db.example.com/users';\n"
        "  callback(null, true);\n}",
        "function verify(email, callback) {\n  const url = configuration.DATABASE_URL;\n  callback(null, true);\n}",
    ),
    (
        "delete-in-login",
        "login",
        "function login(email, password, callback) {\n  const sql = 'DELETE FROM users WHERE email = $1';\n"
        "  callback(null, { user_id: 'legacy-db|1' });\n}",
        "function login(email, password, callback) {\n  const sql = 'SELECT id FROM users WHERE email = $1';\n"
        "  callback(null, { user_id: 'legacy-db|1' });\n}",
    ),
    (
        "logs-password",
        "login",
        "function login(email, password, callback) {\n  console.log('trying', email, password);\n"
        "  callback(null, { user_id: 'legacy-db|1' });\n}",
        "function login(email, password, callback) {\n  console.log('trying', email);\n"
        "  callback(null, { user_id: 'legacy-db|1' });\n}",
    ),
    (
        "require-not-allowed",
        "verify",
        "function verify(email, callback) { const fs = require('fs'); callback(null, true); }",
        "function verify(email, callback) { const b = require('bcrypt@5.0.1'); callback(null, true); }",
    ),
    (
        "dynamic-require",
        "verify",
        "function verify(email, callback) { const m = require(configuration.MODULE); callback(null, true); }",
        "function verify(email, callback) { const m = require('uuid'); callback(null, true); }",
    ),
]


@pytest.mark.parametrize(("rule", "key", "triggering", "clean"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_flags_the_bad_script_and_not_the_good_one(rule, key, triggering, clean):
    assert rule in rules_of(key, triggering)
    assert rule not in rules_of(key, clean)


def test_every_finding_has_a_line_a_severity_and_a_one_line_why():
    (finding,) = findings_of("verify", "function verify(email, callback) { return true; }")
    assert (finding.rule, finding.severity, finding.line, finding.column) == ("no-callback", "error", 1, 10)
    assert finding.why and "\n" not in finding.why


def test_a_script_above_100_kb_gets_a_size_finding_and_a_small_one_does_not():
    padding = "// " + "x" * 1000 + "\n"
    big = "function verify(email, callback) {\n" + padding * 110 + "  callback(null, true);\n}"
    assert "size" in rules_of("verify", big)
    assert "size" not in rules_of("verify", "function verify(email, callback) { callback(null, true); }")


def test_the_signature_includes_context_when_the_connection_passes_it():
    three = "function verify(email, context, callback) { callback(null, true); }"
    assert "signature" not in rules_of("verify", three, context=True)
    assert "signature" in rules_of("verify", three, context=False)


def test_logging_the_whole_user_in_create_leaks_the_password_but_its_email_does_not():
    leaky = "function create(user, callback) { console.log(JSON.stringify(user)); callback(null); }"
    fine = "function create(user, callback) { console.log('creating', user.email); callback(null); }"
    assert "logs-password" in rules_of("create", leaky)
    assert "logs-password" not in rules_of("create", fine)


def test_a_callback_after_a_try_that_already_called_it_is_flagged():
    script = """function verify(email, callback) {
  try {
    callback(null, true);
  } catch (err) {
    callback(err);
  }
}"""
    flagged = [f for f in findings_of("verify", script) if f.rule == "callback-twice"]
    assert [f.line for f in flagged] == [5]


def test_callbacks_in_nested_closures_and_exclusive_branches_are_not_double_calls():
    script = """function verify(email, callback) {
  db.query('x', function (err, rows) {
    if (err) {
      callback(err);
    } else if (!rows.length) {
      callback(null, false);
    } else {
      callback(null, true);
    }
  });
}"""
    assert "callback-twice" not in rules_of("verify", script)


def test_modern_syntax_parses():
    script = """async function login(email, password, callback) {
  class Store { #secret = 1; get x() { return this.#secret; } }
  const row = (await Promise.resolve({ a: { b: 1 } }))?.a?.b ?? 0;
  return callback(null, { user_id: `legacy-db|${row}`, ...{ email } });
}"""
    assert findings_of("login", script) == []


def test_syntax_errors_report_script_line_column_and_message():
    report = scripts_lint(scripts={"verify": "function verify(email, callback) {\n  callback(null, true;\n}"})
    (error,) = report.syntax_errors
    assert (error.script, error.line) == ("verify", 2)
    assert error.column > 1 and error.message


@pytest.mark.parametrize("template", [t.key for t in TEMPLATES])
@pytest.mark.parametrize("context", [False, True])
def test_templates_pass_their_own_lint(template, context):
    """Against the sandbox's own allow-list (the catalog's modules), with the template's configuration keys."""
    bodies = template_bodies(template, connection_name="legacy-db", context=context)
    keys = list(BY_KEY[template].configuration_keys)
    report = scripts_lint(scripts=bodies, context=context, configuration_keys=keys)
    assert report.syntax_errors == []
    assert report.findings == []


def test_the_cli_reads_the_sandbox_allowlist_file_when_none_is_given():
    request = {
        "scripts": {"verify": "function verify(e, cb) { require('left-pad'); require('bcrypt'); cb(null, true); }"}
    }
    done = subprocess.run(
        ["node", str(LINT_CLI)], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    rules = [(f["rule"], f["message"]) for f in json.loads(done.stdout)["findings"]]
    assert rules == [("require-not-allowed", "'left-pad' is not in the sandbox's module catalog.")]


@pytest.mark.parametrize(
    "require, rule, message",
    [
        ("mongodb", None, None),
        ("mongodb@4", None, None),
        ("mysql2@2/promise", None, None),
        ("@aws-sdk/client-dynamodb@3", None, None),
        (
            "mongodb@2",
            "require-version-unavailable",
            "no version of mongodb satisfies 2; the sandbox serves mongodb 3.7.4, 4.17.2, 5.9.2, 6.22.0;"
            " nearest: require('mongodb@3.7.4').",
        ),
        (
            "axios@0.19.2",
            "require-version-unavailable",
            "axios 0.19.2 is not in the catalog, nor any 0.19.x release; the sandbox serves axios 0.21.4, 0.22.0,"
            " 1.21.1 (pin one of them); nearest: require('axios@0.21.4').",
        ),
        (
            "jwt-decode@3.1.1",
            "require-version-substituted",
            "jwt-decode 3.1.1 is not in the catalog; serving jwt-decode 3.1.2, its newest 3.x release.",
        ),
        (
            "jwt_decode",
            "require-not-allowed",
            "'jwt_decode' is not in the sandbox's module catalog; did you mean 'jwt-decode'?",
        ),
        (
            "mysql2/nope",
            "require-version-unavailable",
            "the sandbox serves mysql2 3.24.6 as 'mysql2' and 'mysql2/promise' only.",
        ),
        (
            "fs",
            "require-not-allowed",
            "'fs' is not in the sandbox's module catalog: scripts in Trickle's sandbox have no file system.",
        ),
    ],
)
def test_requires_are_checked_against_the_module_catalog(require, rule, message):
    # scripts_lint without an allowlist uses the real one: sandbox/allowlist.json and sandbox/catalog.json.
    body = f"function verify(email, callback) {{ require({require!r}); callback(null, true); }}"
    report = scripts_lint(scripts={"verify": body})
    found = [(f.rule, f.message) for f in report.findings]
    assert found == ([(rule, message)] if rule else [])


def test_the_cli_refuses_input_without_scripts():
    done = subprocess.run(["node", str(LINT_CLI)], input="{}", capture_output=True, text=True)
    assert done.returncode == 2


def test_reading_a_configuration_key_the_connection_lacks_is_flagged_once_per_key():
    source = (
        "function getUser(email, callback) {\n  const a = configuration.API_URL, b = configuration['API_TOKEN'];\n"
        "  const c = configuration.API_URL;\n  callback(null, null);\n}\n"
    )
    report = scripts_lint(scripts={"get_user": source}, configuration_keys=["API_URL"])
    missing = [f for f in report.findings if f.rule == "missing-configuration"]
    assert [(f.message, f.line) for f in missing] == [
        ("Reads configuration.API_TOKEN, which this connection does not define.", 2)
    ]
    unknown = scripts_lint(scripts={"get_user": source})  # keys not given: nothing to compare against
    assert not [f for f in unknown.findings if f.rule == "missing-configuration"]
