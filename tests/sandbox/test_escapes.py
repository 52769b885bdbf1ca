"""Escape attempts: every object handed to a script leads back into the isolate, never to the host."""

import pytest

from scriptd_client import client as scriptd
from tests.fixtures import skip_unless_ci

pytestmark = pytest.mark.scriptd

# Each expression tries to reach Node's `process` from an object the script was given.
WALKS = {
    "this": "this.constructor.constructor('return process')()",
    "callback": "callback.constructor('return process')()",
    "console.log": "console.log.constructor('return process')()",
    "configuration": "configuration.constructor.constructor('return process')()",
    "global": "global.constructor.constructor('return process')()",
    "required module": "require('bcryptjs').compare.constructor('return process')()",
    "crypto bridge module": "require('crypto').createHash.constructor('return process')()",
    "error class": "WrongUsernameOrPasswordError.constructor('return process')()",
    "sloppy this": "(function () { return this; })().process",
    "setTimeout": "setTimeout.constructor('return process')()",
}


# What Node's real `process` has and the isolate's own `process` (src/isolate/node/process.js) never has.
HOST_ONLY = "['binding', 'dlopen', 'getuid', 'setuid', 'mainModule', 'reallyExit', '_linkedBinding', 'openStdin']"


@pytest.mark.parametrize("route", sorted(WALKS))
def test_walking_constructors_reaches_only_the_sandbox_process(run, route):
    source = f"""function login(email, password, callback) {{
      let reached;
      try {{ reached = {WALKS[route]}; }} catch (e) {{ reached = 'threw ' + e.name + ': ' + e.message; }}
      if (reached === undefined || typeof reached === 'string') return callback(null, String(reached));
      callback(null, {{ same: reached === process, hostOnly: {HOST_ONLY}.filter((k) => k in reached), env: Object.keys(reached.env) }});
    }}"""
    outcome = run(source)
    assert outcome.status == "ok", outcome.result
    assert outcome.value in ("undefined", {"same": True, "hostOnly": [], "env": []}), outcome.value


def test_a_thrown_host_error_is_an_isolate_object(run):
    source = """function login(e, p, callback) {
      try { require('crypto').createHash('whirlpool-9000').update('x').digest('hex'); }
      catch (err) {
        const reached = err.constructor.constructor('return process')();
        return callback(null, { message: err.message, sandboxProcess: reached === process && !('binding' in reached), isError: err instanceof Error });
      }
      callback(new Error('no error thrown'));
    }"""
    value = run(source).value
    assert value["message"].startswith("Digest method not supported")
    assert value["sandboxProcess"] is True
    assert value["isError"] is True


def test_a_bridge_result_is_plain_isolate_data(run):
    source = """function login(e, p, callback) {
      const digest = require('crypto').createHash('sha256').update('x').digest();
      const reached = digest.constructor.constructor('return process')();
      callback(null, { sandboxProcess: reached === process && !('binding' in reached), isBuffer: Buffer.isBuffer(digest), uuidType: typeof require('crypto').randomUUID() });
    }"""
    assert run(source).value == {"sandboxProcess": True, "isBuffer": True, "uuidType": "string"}


def test_prepare_stack_trace_exposes_no_runtime_functions_or_receivers(run):
    # Stack frames are captured while the runtime is on the stack: when the function is called, in a
    # timer, and in a bridge callback. The runtime is strict mode, so V8 hides its functions/receivers.
    source = """function login(e, p, cb) {
      const found = [];
      function probe(where) {
        Error.prepareStackTrace = (err, frames) => frames.map((f) => [where, f.getScriptNameOrSourceURL(), typeof f.getFunction(), typeof f.getThis()]);
        const frames = new Error('x').stack;
        Error.prepareStackTrace = undefined;
        for (const [w, file, fn, self] of frames) {
          if (!String(file).endsWith('login.js') && (fn !== 'undefined' || self !== 'undefined')) found.push([w, file, fn, self]);
        }
      }
      probe('call');
      setTimeout(function onTimer() {
        probe('timer');
        require('crypto').pbkdf2('pw', 'salt', 1, 16, 'sha256', function onBridge() {
          probe('bridge');
          cb(null, found);
        });
      }, 1);
    }"""
    outcome = run(source)
    assert outcome.status == "ok", outcome.result
    assert outcome.value == []


def test_dynamic_import_is_refused(run):
    source = """async function login(e, p, cb) {
      try { const fs = await import('fs'); cb(null, 'imported ' + typeof fs.readFileSync); }
      catch (err) { cb(null, 'refused: ' + err.message); }
    }"""
    outcome = run(source)
    assert outcome.status == "ok"
    assert outcome.value.startswith("refused")


@pytest.mark.parametrize(
    "expression",
    [
        "typeof module",
        "typeof exports",
        "typeof __dirname",
        "typeof Deno",
        "typeof WebAssembly === 'object' ? 'wasm-only' : 'none'",
    ],
)
def test_node_host_globals_are_absent(run, expression):
    value = run(f"function login(e, p, cb) {{ cb(null, {expression}); }}").value
    assert value in ("undefined", "wasm-only", "none")


def test_process_is_the_sandbox_own(run):
    source = f"""function login(e, p, cb) {{
      cb(null, {{ env: process.env, x: process.env.X, hostOnly: {HOST_ONLY}.filter((k) => k in process),
        same: globalThis.process === process && global.process === process, cwd: process.cwd(), platform: process.platform,
        major: Number(process.versions.node.split('.')[0]), hr: process.hrtime().length }});
    }}"""
    value = run(source).value
    assert value == {"env": {}, "hostOnly": [], "same": True, "cwd": "/", "platform": "linux", "major": 24, "hr": 2}


def test_process_exit_is_refused(run):
    outcome = run("function login(e, p, cb) { process.exit(0); }")
    assert outcome.status == "error"
    assert "not available" in outcome.error["message"]


@pytest.mark.parametrize(
    "module",
    [
        "fs",
        "fs/promises",
        "child_process",
        "cluster",
        "vm",
        "worker_threads",
        "module",
        "v8",
        "dgram",
        "node:fs",
        "isolated-vm",
        "left-pad",
        "../host/worker",
        "/etc/passwd",
    ],
)
def test_forbidden_modules_are_not_found(run, module):
    outcome = run(f"function login(e, p, cb) {{ require({module!r}); cb(null, 'loaded'); }}")
    assert outcome.status == "error"
    assert outcome.error["code"] == "MODULE_NOT_FOUND"
    assert outcome.error["message"].startswith(f"Cannot find module '{module}'")
    assert "allowlist.json" in outcome.error["message"]


def test_internal_helper_modules_are_not_requirable_by_scripts(run):
    outcome = run("function login(e, p, cb) { require('pg-protocol'); cb(null, 'loaded'); }")
    assert outcome.error["code"] == "MODULE_NOT_FOUND"


@pytest.mark.parametrize("module", ["fs", "child_process", "worker_threads", "vm"])
def test_refused_builtins_say_why(run, module):
    outcome = run(f"function login(e, p, cb) {{ require('node:{module}'); }}")
    assert outcome.error["code"] == "MODULE_NOT_FOUND"
    assert "Trickle's sandbox" in outcome.error["message"] or "isolate" in outcome.error["message"]


def test_patching_a_module_does_not_affect_another_connection(run):
    patch = """function login(email, password, cb) {
      const bcrypt = require('bcryptjs');
      bcrypt.compareSync = function (pw) { global.stolen = pw; return true; };
      Object.prototype.polluted = 'yes';
      JSON.parse = () => ({ hijacked: true });
      Array.prototype.map = function () { return ['hijacked']; };
      cb(null, bcrypt.compareSync('x', 'y'));
    }"""
    assert run(patch, mode="warm", connection_id="con_patcher").value is True
    victim = """function login(email, password, cb) {
      const bcrypt = require('bcryptjs');
      const hash = bcrypt.hashSync(password, 4);
      cb(null, { ok: bcrypt.compareSync('wrong', hash), polluted: ({}).polluted || null,
                 parsed: JSON.parse('{"a":1}'), mapped: [1, 2].map((x) => x * 2), stolen: global.stolen || null });
    }"""
    value = run(victim, mode="warm", connection_id="con_victim").value
    assert value == {"ok": False, "polluted": None, "parsed": {"a": 1}, "mapped": [2, 4], "stolen": None}


def test_workers_run_confined_when_bwrap_is_installed(scriptd_socket):
    figures = scriptd.stats(socket_path=scriptd_socket)
    if not figures["confined"]:
        skip_unless_ci("bubblewrap is not installed here, or cannot start a worker")
    for worker in figures["workers"]:
        assert worker["uid"] == 65534
        assert worker["sees_host_files"] is False
        assert set(worker["env_keys"]) <= {"PWD", "UV_THREADPOOL_SIZE"}
