"""The Auth0 environment scripts run in: which function runs, callbacks and promises, results,
errors, configuration and global."""

import pytest

pytestmark = pytest.mark.scriptd


# ---- scripts as Auth0 users write them -----------------------------------------------------------

CALLBACK_STYLE = {
    "login": (
        "function login(email, password, callback) {\n"
        "  if (password !== 'pa55word') return callback(new WrongUsernameOrPasswordError(email));\n"
        "  callback(null, { user_id: 'legacy|1', email: email });\n}",
        {"user_id": "legacy|1", "email": "alice@example.com"},
    ),
    "get_user": (
        "function getByEmail(email, callback) { callback(null, { user_id: 'legacy|1', email: email }); }",
        {"user_id": "legacy|1", "email": "alice@example.com"},
    ),
    "create": ("function create(user, callback) { callback(null); }", None),
    "verify": ("function verify(email, callback) { callback(null, true); }", True),
    "change_password": (
        "function changePassword(email, newPassword, callback) { callback(null, newPassword === 'n3w-pa55'); }",
        True,
    ),
    "delete": ("function remove(id, callback) { callback(null); }", None),
    "change_email": ("function changeEmail(email, newEmail, verified, callback) { callback(null, verified); }", True),
}


@pytest.mark.parametrize("kind", sorted(CALLBACK_STYLE))
def test_each_script_kind_runs_in_callback_style(run, kind):
    source, expected = CALLBACK_STYLE[kind]
    outcome = run(source, kind=kind)
    assert outcome.status == "ok", outcome.result
    assert outcome.value == expected


def test_async_scripts_answer_through_callback_after_awaiting(run):
    source = """
    async function login(email, password, callback) {
      const lookup = () => new Promise((resolve) => setTimeout(() => resolve({ user_id: 'legacy|2', email }), 20));
      const user = await lookup();
      return callback(null, user);
    }"""
    assert run(source).value == {"user_id": "legacy|2", "email": "alice@example.com"}


def test_an_async_function_may_answer_by_returning_its_value(run):
    assert run("async function getUser(email) { return { user_id: 'x', email }; }", kind="get_user").value == {
        "user_id": "x",
        "email": "alice@example.com",
    }


def test_a_rejected_promise_is_the_error(run):
    outcome = run("async function login(email, password) { throw new UnauthorizedError('store down'); }")
    assert outcome.status == "error"
    assert outcome.error["name"] == "UnauthorizedError"
    assert outcome.error["message"] == "store down"


def test_top_level_code_runs_before_the_function(run):
    source = "const PREFIX = 'legacy|';\nfunction id(n) { return PREFIX + n; }\nfunction login(e, p, cb) { cb(null, { user_id: id(7) }); }"
    assert run(source).value == {"user_id": "legacy|7"}


def test_the_only_top_level_function_runs_whatever_its_name(run):
    assert run("function authenticate(e, p, cb) { cb(null, { user_id: e }); }").value == {
        "user_id": "alice@example.com"
    }


@pytest.mark.parametrize(
    "source",
    [
        "'use strict';\nconst authenticate = async (e, p, cb) => cb(null, { user_id: e });",
        "var authenticate = function (e, p, cb) { cb(null, { user_id: e }); };",
        "// the login script of our old store\nlet authenticate = (e, p, cb) => cb(null, { user_id: e });",
        "var eval = JSON.parse;\nfunction authenticate(e, p, cb) { cb(null, { user_id: e }); }",
        "\r\n\r\n  async function authenticate(e, p, cb) { cb(null, { user_id: e }); }",
        "\n" * 50_000 + "function   \n\n  authenticate (e, p, cb) { cb(null, { user_id: e }); }",
    ],
    ids=["strict-async-arrow", "var-function", "name-only-in-a-comment", "own-eval", "crlf", "long-blank-runs"],
)
def test_the_only_top_level_function_is_found_in_each_way_of_defining_it(run, source):
    assert run(source).value == {"user_id": "alice@example.com"}


def test_looking_for_another_function_does_not_run_the_top_level_code_again(run):
    source = "global.loads = (global.loads || 0) + 1;\nfunction authenticate(e, p, cb) { cb(null, global.loads); }"
    assert run(source).value == 1


def test_an_anonymous_function_script_runs(run):
    assert run("function (email, password, callback) { callback(null, { user_id: email }); }").value == {
        "user_id": "alice@example.com"
    }


def test_a_script_without_the_function_names_what_it_looked_for(run):
    outcome = run("function a() {}\nfunction b() {}", kind="get_user")
    assert outcome.status == "error"
    assert "getUser or getByEmail" in outcome.error["message"]


def test_a_syntax_error_is_reported(run):
    outcome = run("function login(e, p, cb) { cb(null, ")
    assert outcome.status == "error"
    assert outcome.error["name"] == "SyntaxError"


def test_context_comes_before_callback_when_enabled(run):
    source = "function login(email, password, context, callback) { callback(null, { org: context.organization.id }); }"
    outcome = run(source, enable_script_context=True, context={"organization": {"id": "org_1"}})
    assert outcome.value == {"org": "org_1"}


def test_callback_without_arguments_means_no_result(run):
    outcome = run("function login(e, p, callback) { callback(); }")
    assert outcome.status == "ok"
    assert outcome.value is None


# ---- the callback-once rule and results ------------------------------------------------------------


def test_a_second_callback_is_logged_and_ignored(run):
    outcome = run("function login(e, p, cb) { cb(null, { user_id: 'first' }); cb(null, { user_id: 'second' }); }")
    assert outcome.value == {"user_id": "first"}
    assert any("more than once" in line["text"] for line in outcome.logs)


def test_the_callback_and_a_returned_promise_cannot_both_answer(run):
    outcome = run(
        "async function login(e, p, cb) { cb(null, { user_id: 'callback' }); return { user_id: 'promise' }; }"
    )
    assert outcome.value == {"user_id": "callback"}
    assert any("promise settled after" in line["text"] for line in outcome.logs)


def test_a_sync_throw_is_the_error(run):
    outcome = run("function login(e, p, cb) { null.x; }")
    assert outcome.status == "error"
    assert outcome.error["name"] == "TypeError"
    assert "login.js:1" in outcome.error["stack"]


def test_a_non_error_throw_becomes_an_error(run):
    outcome = run("function login(e, p, cb) { throw 'plain string'; }")
    assert outcome.error["name"] == "Error"
    assert outcome.error["message"] == "plain string"


@pytest.mark.parametrize("value", ["null", "undefined"])
@pytest.mark.parametrize(
    "shape",
    [
        "function login(e, p, cb) { throw VALUE; }",
        "async function login(e, p) { throw VALUE; }",
        "function login(e, p, cb) { return Promise.reject(VALUE); }",
        "function login(e, p, cb) { setTimeout(() => { throw VALUE; }, 1); }",
        "function login(e, p, cb) { queueMicrotask(() => { throw VALUE; }); }",
    ],
)
def test_throwing_null_or_undefined_is_a_failure_not_a_success(run, shape, value):
    outcome = run(shape.replace("VALUE", value))
    assert outcome.status == "error", outcome.result
    assert outcome.error["message"] == f"The script threw {value}"


def test_a_callback_with_a_null_error_is_still_a_success(run):
    assert run("function login(e, p, cb) { cb(null, { user_id: '1' }); }").value == {"user_id": "1"}
    assert run("function login(e, p, cb) { cb(undefined, { user_id: '2' }); }").value == {"user_id": "2"}


def test_an_error_thrown_in_a_timer_fails_the_run(run):
    outcome = run("function login(e, p, cb) { setTimeout(() => { throw new Error('late'); }, 5); }")
    assert outcome.status == "error"
    assert outcome.error["message"] == "late"


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("(() => { const o = {}; o.self = o; return o; })()", "circular"),
        ("10n", "BigInt"),
    ],
)
def test_a_result_that_is_not_json_is_a_clear_error(run, value, fragment):
    outcome = run(f"function login(e, p, cb) {{ cb(null, {value}); }}")
    assert outcome.status == "error"
    assert "cannot be sent back as JSON" in outcome.error["message"]
    assert fragment in outcome.error["message"]


def test_an_undefined_result_is_no_result(run):
    assert run("function login(e, p, cb) { cb(null, undefined); }").value is None


def test_a_huge_result_is_refused(run):
    outcome = run("function login(e, p, cb) { cb(null, { blob: 'x'.repeat(2 * 1024 * 1024) }); }")
    assert outcome.status == "error"
    assert "larger than" in outcome.error["message"]


# ---- error classes ---------------------------------------------------------------------------------


def test_wrong_username_or_password_error_keeps_its_fields(run):
    outcome = run("function login(e, p, cb) { cb(new WrongUsernameOrPasswordError(e, 'bad password')); }")
    error = outcome.error
    assert (error["name"], error["message"], error["code"], error["user_id"], error["statusCode"]) == (
        "WrongUsernameOrPasswordError",
        "bad password",
        "wrongusernameorpassword",
        "alice@example.com",
        400,
    )
    assert "stack" in error


def test_validation_error_keeps_its_fields(run):
    error = run("function create(u, cb) { cb(new ValidationError('user_exists', 'taken')); }", kind="create").error
    assert (error["name"], error["code"], error["message"], error["description"], error["statusCode"]) == (
        "ValidationError",
        "user_exists",
        "taken",
        "taken",
        400,
    )


def test_unauthorized_error_keeps_its_fields(run):
    error = run("function login(e, p, cb) { cb(new UnauthorizedError('blocked')); }").error
    assert (error["name"], error["code"], error["message"], error["description"], error["statusCode"]) == (
        "UnauthorizedError",
        "unauthorized",
        "blocked",
        "blocked",
        401,
    )


def test_a_plain_error_with_extra_fields_keeps_them(run):
    source = "function login(e, p, cb) { const x = new Error('boom'); x.code = 'E1'; x.statusCode = 503; cb(x); }"
    error = run(source).error
    assert (error["name"], error["message"], error["code"], error["statusCode"]) == ("Error", "boom", "E1", 503)


# ---- configuration and global ------------------------------------------------------------------------


def test_configuration_is_deep_frozen(run):
    source = """function login(e, p, cb) {
      configuration.apiKey = 'changed'; delete configuration.apiKey; configuration.added = 1;
      let strictError = null;
      try { (function () { 'use strict'; configuration.apiKey = 'x'; })(); } catch (err) { strictError = err.name; }
      cb(null, { key: configuration.apiKey === 'k-123', added: configuration.added || null, strictError,
                 frozen: Object.isFrozen(configuration) });
    }"""
    outcome = run(source, configuration={"apiKey": "k-123"})
    assert outcome.value == {"key": True, "added": None, "strictError": "TypeError", "frozen": True}


def test_configuration_cannot_be_replaced(run):
    source = """function login(e, p, cb) {
      configuration = { apiKey: 'mine' }; global.configuration = {}; cb(null, configuration.apiKey === 'k-123');
    }"""
    assert run(source, configuration={"apiKey": "k-123"}).value is True


COUNTER = "function login(e, p, cb) { global.count = (global.count || 0) + 1; cb(null, global.count); }"


def test_global_persists_across_warm_runs_of_a_connection(run):
    values = [run(COUNTER, mode="warm", connection_id="con_global_a").value for _ in range(3)]
    assert values == [1, 2, 3]


def test_global_is_separate_per_connection_and_untouched_by_try(run):
    run(COUNTER, mode="warm", connection_id="con_global_b")
    run(COUNTER, mode="warm", connection_id="con_global_b")
    assert run(COUNTER, mode="warm", connection_id="con_global_c").value == 1
    assert run(COUNTER, mode="fresh", connection_id="con_global_b").value == 1
    assert run(COUNTER, mode="warm", connection_id="con_global_b").value == 3


def test_scripts_of_one_connection_share_global(run):
    run(
        "function create(u, cb) { global.shared = 'from create'; cb(null); }",
        kind="create",
        mode="warm",
        connection_id="con_global_d",
    )
    outcome = run(
        "function getUser(e, cb) { cb(null, global.shared); }",
        kind="get_user",
        mode="warm",
        connection_id="con_global_d",
    )
    assert outcome.value == "from create"


def test_global_is_reset_after_a_timeout_recycles_the_isolate(run):
    assert run(COUNTER, mode="warm", connection_id="con_global_e").value == 1
    assert run(COUNTER, mode="warm", connection_id="con_global_e").value == 2
    spin = "function login(e, p, cb) { while (true) {} }"
    assert run(spin, mode="warm", connection_id="con_global_e", timeout_ms=300).status == "timeout"
    assert run(COUNTER, mode="warm", connection_id="con_global_e").value == 1


def test_global_is_reset_after_the_run_limit_recycles_the_isolate(run):
    # The test scriptd recycles warm isolates after 25 runs (tests/fixtures/scriptd.py).
    values = [run(COUNTER, mode="warm", connection_id="con_global_f").value for _ in range(27)]
    assert values[:25] == list(range(1, 26))
    assert values[25:] == [1, 2]


def test_a_new_revision_gets_a_new_isolate(run):
    run(COUNTER, mode="warm", connection_id="con_global_g", revision=1)
    assert run(COUNTER, mode="warm", connection_id="con_global_g", revision=1).value == 2
    assert run(COUNTER, mode="warm", connection_id="con_global_g", revision=2).value == 1


# ---- standard globals ---------------------------------------------------------------------------------


def test_node_globals_scripts_use_are_there(run):
    source = """function login(e, p, cb) {
      const enc = new TextEncoder().encode('héllo');
      const url = new URL('https://legacy.example.com/api?x=1');
      const params = new URLSearchParams({ a: '1', b: 'two' });
      const t = setTimeout(() => {}, 10); clearTimeout(t);
      setImmediate(() => queueMicrotask(() => cb(null, {
        b64: Buffer.from('hello').toString('base64'),
        bytes: enc.length,
        text: new TextDecoder().decode(enc),
        host: url.host,
        qs: params.toString(),
      })));
    }"""
    assert run(source).value == {
        "b64": "aGVsbG8=",
        "bytes": 6,
        "text": "héllo",
        "host": "legacy.example.com",
        "qs": "a=1&b=two",
    }


def test_set_interval_repeats_until_cleared(run):
    source = "function login(e, p, cb) { let n = 0; const i = setInterval(() => { if (++n === 3) { clearInterval(i); cb(null, n); } }, 2); }"
    assert run(source).value == 3
