"""The pg, mysql and HTTP bridges against the real PostgreSQL, MariaDB and a local HTTP server."""

import dataclasses

import pytest

from scriptd_client import client as scriptd
from tests.fixtures import wait_for

from .conftest import ALICE, my_connect, pg_connect

pytestmark = pytest.mark.scriptd


def ok(outcome):
    assert outcome.status == "ok", outcome.result
    return outcome.value


def test_pg_client_pool_and_old_connect_api(run):
    source = """
    async function login(email, password, callback) {
      const pg = require('pg');
      const client = new pg.Client(configuration.PG_URL);
      await client.connect();
      const one = await client.query('SELECT id, email, nickname FROM users WHERE email = $1', [email]);
      const arr = await client.query({ text: 'SELECT 1 AS a, now() AS t', rowMode: 'array' });
      await client.end();
      const pool = new pg.Pool({ connectionString: configuration.PG_URL, max: 2 });
      const viaPool = await pool.query('SELECT count(*)::int AS n FROM users');
      pool.connect((err, c, done) => {
        if (err) return callback(err);
        c.query('SELECT email FROM users WHERE email = $1', [email], (err, res) => {
          done();
          pg.connect(configuration.PG_URL, (err, old, release) => {
            if (err) return callback(err);
            old.query('SELECT 2 AS two', (err, r2) => {
              release();
              pool.end();
              callback(null, { one: one.rows[0], rowCount: one.rowCount, arr: arr.rows[0][0], date: arr.rows[0][1] instanceof Date,
                               n: viaPool.rows[0].n, cb: res.rows[0].email, two: r2.rows[0].two });
            });
          });
        });
      });
    }"""
    assert ok(run(source)) == {
        "one": {"id": 1, "email": ALICE, "nickname": "alice"},
        "rowCount": 1,
        "arr": 1,
        "date": True,
        "n": 1,
        "cb": ALICE,
        "two": 2,
    }


def test_pg_errors_carry_sqlstate_and_detail(run):
    source = """
    async function login(email, password, callback) {
      const { Client } = require('pg');
      const c = new Client(configuration.PG_URL);
      await c.connect();
      try { await c.query("INSERT INTO users (email) VALUES ($1)", [email]); }
      catch (e) { await c.end(); return callback(null, { code: e.code, constraint: e.constraint, isError: e instanceof Error }); }
      callback(new Error('no error'));
    }"""
    assert ok(run(source)) == {"code": "23505", "constraint": "users_email_key", "isError": True}


def test_mysql_callback_set_object_and_promise_apis(run, legacy_db):
    source = """
    function create(user, callback) {
      const mysql = require('mysql');
      const connection = mysql.createConnection({ host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER,
        password: configuration.MYSQL_PASSWORD, database: configuration.MYSQL_DATABASE });
      connection.connect();
      connection.query('INSERT INTO users SET ?', { email: user.email, password: 'x', nickname: 'bob' }, function (err, result) {
        if (err) return callback(err);
        connection.query('SELECT ?? FROM users WHERE id = ?', [['email', 'nickname'], result.insertId], async function (err, rows) {
          connection.end();
          if (err) return callback(err);
          const pm = require('mysql2/promise');
          const pool = pm.createPool({ uri: 'mysql://root@127.0.0.1:3306/' + configuration.MYSQL_DATABASE });
          const [deleted] = await pool.execute('DELETE FROM users WHERE email = ?', [user.email]);
          await pool.end();
          callback(null, { affected: result.affectedRows, row: rows[0], deleted: deleted.affectedRows });
        });
      });
    }"""
    value = ok(run(source, kind="create", args=[{"email": "bob@example.com", "password": "x"}]))
    assert value == {"affected": 1, "row": {"email": "bob@example.com", "nickname": "bob"}, "deleted": 1}


def test_mysql_duplicate_key_error(run):
    source = """
    async function login(email, password, callback) {
      const mysql = require('mysql2/promise');
      const c = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: configuration.MYSQL_DATABASE });
      try { await c.query('INSERT INTO users SET ?', { email }); }
      catch (e) { await c.end(); return callback(null, { code: e.code, errno: e.errno }); }
      callback(new Error('no error'));
    }"""
    assert ok(run(source)) == {"code": "ER_DUP_ENTRY", "errno": 1062}


def test_http_clients_against_a_local_server(run, http_api):
    source = """
    async function login(email, password, callback) {
      const base = configuration.API_URL;
      const f = await fetch(base + '/echo?a=1', { method: 'POST', body: JSON.stringify({ x: 1 }), headers: { 'Content-Type': 'application/json' } });
      const fetched = await f.json();
      const nf = await require('node-fetch')(base + '/text');
      const axios = require('axios').default;
      const ax = await axios.get(base + '/echo', { params: { q: 'a b' }, auth: { username: 'u', password: 'p' } });
      let status;
      try { await axios.get(base + '/status/404'); } catch (err) { status = [err.response.status, err.response.data.status, err.code]; }
      const accepted = await axios.get(base + '/status/404', { validateStatus: (s) => s < 500 });
      const redirected = await axios.get(base + '/redirect?to=' + encodeURIComponent('/echo'));
      require('request').post({ url: base + '/echo', json: { hello: 'world' }, qs: { z: 9 } }, (err, res, body) => {
        if (err) return callback(err);
        require('request')({ url: base + '/echo', form: { a: 'b' }, method: 'PUT' }, (err2, res2, body2) => {
          callback(err2, { fetched: [f.status, fetched.method, fetched.body, fetched.query.a], nf: [nf.ok, await_(nf)],
            ax: [ax.data.query.q, ax.data.headers.authorization], status, accepted: accepted.status,
            redirected: redirected.data.path, request: [res.statusCode, body.body, body.query.z, body.headers['content-type']],
            form: [res2.statusCode, JSON.parse(body2).body] });
        });
      });
      function await_(r) { return r.headers.get('content-type'); }
    }"""
    value = ok(run(source))
    assert value == {
        "fetched": [200, "POST", '{"x":1}', "1"],
        "nf": [True, "text/plain"],
        "ax": ["a b", "Basic dTpw"],
        "status": [404, 404, "ERR_BAD_REQUEST"],
        "accepted": 404,
        "redirected": "/echo",
        "request": [200, '{"hello":"world"}', "9", "application/json"],
        "form": [200, "a=b"],
    }


@pytest.mark.parametrize(
    "target, why",
    [
        (
            "127.0.0.1:6379",
            "egress to 127.0.0.1:6379 is not allowed: loopback address not in this connection's allow-list",
        ),
        (
            "169.254.169.254:80",
            "egress to 169.254.169.254:80 is not allowed: link-local address not in this connection's allow-list",
        ),
        (
            "10.1.2.3:5432",
            "egress to 10.1.2.3:5432 is not allowed: private address not in this connection's allow-list",
        ),
        (
            "db.example.com:5432",
            "egress to db.example.com:5432 is not allowed: db.example.com:5432 is not in this connection's allow-list",
        ),
    ],
)
def test_egress_refusals_say_what_and_why(run, target, why):
    host, port = target.split(":")
    pg = f"""async function login(e, p, cb) {{
      try {{ await new (require('pg').Client)({{ host: '{host}', port: {port}, user: 'x' }}).connect(); }} catch (err) {{ return cb(null, [err.code, err.message]); }}
      cb(new Error('connected'));
    }}"""
    assert ok(run(pg)) == ["EGRESS_REFUSED", why]
    http = f"""async function login(e, p, cb) {{
      try {{ await require('axios').get('http://{target}/'); }} catch (err) {{ return cb(null, err.message); }}
      cb(new Error('connected'));
    }}"""
    assert ok(run(http)) == why


def test_loopback_needs_its_own_entry(run, config):
    # Only the URL in the configuration, so the refusal below is about the allow-list alone.
    config = {"PG_URL": config["PG_URL"]}
    source = "async function login(e, p, cb) { const c = new (require('pg').Client)(configuration.PG_URL); await c.connect(); await c.end(); cb(null, 'in'); }"
    assert ok(run(source)) == "in"
    refused = run(source, egress_allowlist=["localhost:5432"], configuration=config)
    assert refused.status == "error"
    assert "egress to 127.0.0.1:5432 is not allowed: loopback address" in refused.error["message"]
    by_name = run(
        source.replace("configuration.PG_URL", "'postgres://postgres@localhost/test'"),
        egress_allowlist=["localhost:5432"],
        configuration=config,
    )
    assert by_name.status == "error"
    assert (
        "loopback address (localhost resolves to 127.0.0.1) not in this connection's allow-list; list 127.0.0.1:5432"
        in by_name.error["message"]
    )


def test_a_redirect_to_an_unlisted_place_is_refused(run, http_api):
    source = """async function login(e, p, cb) {
      try { await fetch(configuration.API_URL + '/redirect?to=' + encodeURIComponent('http://169.254.169.254/latest/meta-data')); }
      catch (err) { return cb(null, err.message); }
      cb(new Error('followed'));
    }"""
    assert "egress to 169.254.169.254:80 is not allowed" in ok(run(source))


@pytest.mark.parametrize("host", ["/var/run/postgresql", "/tmp/.s.PGSQL.5432", "@abstract"])
def test_socket_paths_are_never_used(run, host):
    source = f"""async function login(e, p, cb) {{
      const c = new (require('pg').Client)({{ host: '{host}', user: 'postgres', database: 'test' }});
      try {{ await c.connect(); }} catch (err) {{ return cb(null, err.message); }}
      cb(new Error('connected'));
    }}"""
    assert "no socket paths" in ok(run(source, egress_allowlist=[f"{host}:5432", "127.0.0.1:5432"]))
    # nor through a connection string's ?host=, which would override the listed TCP address
    url = f"postgres://postgres@127.0.0.1:5432/test?host={host}"
    assert "no socket paths" in ok(
        run(
            source.replace(f"{{ host: '{host}', user: 'postgres', database: 'test' }}", f"'{url}'"),
            egress_allowlist=["127.0.0.1:5432"],
        )
    )


# The isolate has a `process` of its own (empty env, no binding): only Node's real one would be an escape.
ESCAPES = """
const isHostProcess = (p) => !!p && (typeof p.binding === 'function' || typeof p.dlopen === 'function'
  || typeof p.getuid === 'function' || Object.keys(p.env || {}).length > 0);
function walk(value) {
  const found = [];
  for (const probe of [value, value && value.constructor, Object.getPrototypeOf(value || {})]) {
    try { const p = probe.constructor.constructor('return process')(); if (isHostProcess(p)) found.push('process'); } catch (e) {}
    try { const g = probe.constructor.constructor('return this')(); if (g && isHostProcess(g.process)) found.push('global process'); } catch (e) {}
  }
  return found;
}
"""


@pytest.mark.parametrize(
    "call",
    [
        "new (require('pg').Client)({ host: '127.0.0.1', port: 1, user: 'x' }).connect()",
        "new (require('pg').Client)({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' }).connect().then(() => null)",
        "(async () => { const c = new (require('pg').Client)(configuration.PG_URL); await c.connect(); try { return await c.query('SELEC nonsense'); } finally { c.end(); } })()",
        "(async () => { const c = new (require('pg').Client)(configuration.PG_URL); await c.connect(); try { return await c.query('SELECT 1 AS x'); } finally { c.end(); } })()",
        "require('mysql2/promise').createConnection({ host: '127.0.0.1', user: 'nobody', password: 'x' })",
        "require('mysql2/promise').createConnection({ host: '127.0.0.1', user: 'root', database: configuration.MYSQL_DATABASE }).then((c) => c.query('SELECT 1 AS x').finally(() => c.end()))",
        "require('axios').get('http://10.0.0.1/')",
        "require('axios').get(configuration.API_URL + '/status/500')",
        "fetch(configuration.API_URL + '/echo')",
        "new Promise((resolve, reject) => require('request')('http://127.0.0.1:1/', (err, res) => (err ? reject(err) : resolve(res))))",
    ],
)
def test_bridge_results_and_errors_give_no_escape(run, call):
    source = (
        ESCAPES
        + f"""async function login(e, p, cb) {{
      let value;
      try {{ value = await ({call}); }} catch (err) {{ value = err; }}
      const found = walk(value).concat(value && value.response ? walk(value.response) : [], value && value.rows ? walk(value.rows) : []);
      cb(null, {{ found, hostProcess: isHostProcess(process) }});
    }}"""
    )
    assert ok(run(source)) == {"found": [], "hostProcess": False}


def _pg_sessions(app: str) -> int:
    with pg_connect("test") as db:
        return db.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (app,)).fetchone()[0]


def _mysql_sessions(database: str) -> int:
    with my_connect() as db, db.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = %s AND USER = 'root' AND ID <> CONNECTION_ID()",
            (database,),
        )
        return cur.fetchone()[0]


def test_connections_left_open_by_a_warm_isolate_close_when_it_is_recycled(run, legacy_db):
    app = f"leak_{legacy_db}"
    source = """async function login(e, p, cb) {
      global.clients = global.clients || [];
      const c = new (require('pg').Client)({ connectionString: configuration.PG_URL, application_name: '{app}' });
      await c.connect();
      const m = require('mysql').createConnection({ host: '127.0.0.1', user: 'root', database: configuration.MYSQL_DATABASE });
      m.query('SELECT 1', () => {});
      global.clients.push(c, m);
      cb(null, global.clients.length);
    }""".replace("{app}", app)
    before = _mysql_sessions(legacy_db)
    assert ok(run(source, mode="warm", connection_id="con_leaky")) == 2
    assert ok(run(source, mode="warm", connection_id="con_leaky")) == 4
    assert _pg_sessions(app) == 2
    assert _mysql_sessions(legacy_db) == before + 2
    # A timeout recycles the warm isolate; its bridges close every socket it held.
    hang = "function login(e, p, cb) {}"
    assert run(hang, mode="warm", connection_id="con_leaky", timeout_ms=200).status == "timeout"
    assert wait_for(lambda: _pg_sessions(app) == 0, timeout_s=5, every_s=0.05)
    assert wait_for(lambda: _mysql_sessions(legacy_db) == before, timeout_s=5, every_s=0.05)


@dataclasses.dataclass(frozen=True)
class LimitsWithSockets(scriptd.Limits):
    sockets: int = 3


def test_per_connection_socket_cap(run):
    source = """async function login(e, p, cb) {
      const clients = [];
      try {
        for (let i = 0; i < 5; i++) { const c = new (require('pg').Client)(configuration.PG_URL); await c.connect(); clients.push(c); }
      } catch (err) { await Promise.all(clients.map((c) => c.end())); return cb(null, [clients.length, err.code, err.message]); }
      cb(new Error('no cap'));
    }"""
    count, code, message = ok(run(source, limits=LimitsWithSockets(timeout_ms=5000), connection_id="con_capped"))
    assert (count, code) == (3, "EGRESS_SOCKET_LIMIT")
    assert "at most 3" in message
    # Closed sockets give their slots back.
    assert ok(run(source, limits=LimitsWithSockets(timeout_ms=5000), connection_id="con_capped"))[0] == 3
