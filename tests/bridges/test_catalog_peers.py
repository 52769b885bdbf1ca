"""Each pinned catalog version makes one real call to a local peer: PostgreSQL (pg 7 and 8), MariaDB
(mysql, mysql2 2 and 3), a local HTTP server (axios 0.21/0.22/1, request 2.81/2.88, node-fetch,
isomorphic-fetch). Drivers without a peer here (SQL Server, Oracle, Neo4j 5, MongoDB) build their first
protocol message and report the refused connection clearly (neo4j-driver 4.4's refused connect:
tests/peers/test_through_scriptd.py)."""

import pytest

from tests.fixtures.tls import free_port

from .conftest import ALICE

pytestmark = pytest.mark.scriptd


def ok(outcome):
    assert outcome.status == "ok", outcome.result
    return outcome.value


@pytest.mark.parametrize("spec, version", [("pg@7", "7.18.2"), ("pg@8", "8.23.1"), ("pg", "8.23.1")])
def test_pg_versions_query_postgresql(run, spec, version):
    source = f"""
    function login(email, password, callback) {{
      const pg = require('{spec}');
      pg.connect(configuration.PG_URL, (err, client, done) => {{
        if (err) return callback(err);
        client.query('SELECT nickname FROM users WHERE email = $1', [email], (err, res) => {{
          done();
          pg.end();
          callback(err, {{ nickname: res && res.rows[0].nickname, version: require('{spec}/package.json').version }});
        }});
      }});
    }}"""
    assert ok(run(source)) == {"nickname": "alice", "version": version}


@pytest.mark.parametrize("spec, version", [("mysql", "2.18.1"), ("mysql2@2", "2.3.3"), ("mysql2@3", "3.24.6")])
def test_mysql_versions_query_mariadb(run, spec, version):
    source = f"""
    function login(email, password, callback) {{
      const mysql = require('{spec}');
      const c = mysql.createConnection({{ host: configuration.MYSQL_HOST, port: Number(configuration.MYSQL_PORT),
        user: configuration.MYSQL_USER, password: configuration.MYSQL_PASSWORD, database: configuration.MYSQL_DATABASE }});
      c.query('SELECT nickname FROM users WHERE email = ?', [email], (err, rows) => {{
        c.end();
        callback(err, {{ nickname: rows && rows[0].nickname, version: require('{spec}/package.json').version }});
      }});
    }}"""
    assert ok(run(source)) == {"nickname": "alice", "version": version}


@pytest.mark.parametrize("spec", ["mysql2@2/promise", "mysql2@3/promise"])
def test_mysql2_promise_subpath_per_version(run, spec):
    source = f"""
    async function login(email, password, callback) {{
      const mysql = require('{spec}');
      const c = await mysql.createConnection({{ host: configuration.MYSQL_HOST, user: 'root', database: configuration.MYSQL_DATABASE }});
      const [rows] = await c.execute('SELECT email FROM users WHERE email = ?', [email]);
      await c.end();
      callback(null, rows[0].email);
    }}"""
    assert ok(run(source)) == ALICE


@pytest.mark.parametrize("spec, version", [("axios@0.21", "0.21.4"), ("axios@0.22", "0.22.0"), ("axios@1", "1.21.1")])
def test_axios_versions_call_a_local_server(run, spec, version):
    source = f"""
    async function login(email, password, callback) {{
      const axios = require('{spec}');
      const res = await axios.post(configuration.API_URL + '/echo', {{ email }}, {{ params: {{ v: 1 }} }});
      let missing;
      try {{ await axios.get(configuration.API_URL + '/status/404'); }} catch (e) {{ missing = e.response.status; }}
      callback(null, {{ body: JSON.parse(res.data.body), v: res.data.query.v, missing, version: require('{spec}/package.json').version }});
    }}"""
    assert ok(run(source)) == {"body": {"email": ALICE}, "v": "1", "missing": 404, "version": version}


@pytest.mark.parametrize("spec, version", [("request@2.81.0", "2.81.0"), ("request@2.88", "2.88.2")])
def test_request_versions_call_a_local_server(run, spec, version):
    source = f"""
    function login(email, password, callback) {{
      require('{spec}').post({{ url: configuration.API_URL + '/echo', json: {{ email }} }}, (err, res, body) => {{
        callback(err, {{ status: res && res.statusCode, body: body && body.body, version: require('{spec}/package.json').version }});
      }});
    }}"""
    assert ok(run(source)) == {"status": 200, "body": f'{{"email":"{ALICE}"}}', "version": version}


@pytest.mark.parametrize("spec", ["node-fetch@2", "isomorphic-fetch"])
def test_fetch_packages_call_a_local_server(run, spec):
    # isomorphic-fetch sets the global fetch (its documented shape); node-fetch exports it.
    source = f"""
    async function login(email, password, callback) {{
      const exported = require('{spec}');
      const f = typeof exported === 'function' ? exported : fetch;
      const res = await f(configuration.API_URL + '/text');
      callback(null, [res.status, await res.text()]);
    }}"""
    assert ok(run(source)) == [200, "plain words"]


@pytest.mark.parametrize(
    "name, body",
    [
        (
            "tedious",
            """const { Connection } = require('tedious');
               const c = new Connection({ server: '127.0.0.1', options: { port: PORT, connectTimeout: 3000, trustServerCertificate: true },
                 authentication: { type: 'default', options: { userName: 'sa', password: 'x' } } });
               c.on('connect', (err) => callback(null, err ? err.message : 'connected'));
               c.connect();""",
        ),
        (
            "mssql",
            """require('mssql').connect({ server: '127.0.0.1', port: PORT, user: 'sa', password: 'x',
                 options: { trustServerCertificate: true }, connectionTimeout: 3000 })
               .then(() => callback(null, 'connected'), (err) => callback(null, err.message));""",
        ),
        (
            "oracledb",
            """require('oracledb').getConnection({ user: 'u', password: 'p', connectString: '127.0.0.1:PORT/XE' })
               .then(() => callback(null, 'connected'), (err) => callback(null, err.message));""",
        ),
        (
            "neo4j-driver@5",
            """const neo4j = require('neo4j-driver@5');
               const d = neo4j.driver('bolt://127.0.0.1:PORT', neo4j.auth.basic('neo4j', 'x'));
               d.verifyConnectivity().then(() => callback(null, 'connected'), (err) => { d.close(); callback(null, err.message); });""",
        ),
        (
            "mongodb@3",
            """require('mongodb@3').MongoClient.connect('mongodb://127.0.0.1:PORT/db', { serverSelectionTimeoutMS: 2000, useUnifiedTopology: true },
                 (err) => callback(null, err ? err.message : 'connected'));""",
        ),
        (
            "mongodb@6",
            """new (require('mongodb@6').MongoClient)('mongodb://127.0.0.1:PORT/db', { serverSelectionTimeoutMS: 2000 }).connect()
                 .then(() => callback(null, 'connected'), (err) => callback(null, err.message));""",
        ),
    ],
)
def test_drivers_without_a_peer_here_report_a_refused_connection(run, allowlist, name, body):
    port = free_port()  # nothing listens there
    source = f"function login(email, password, callback) {{ {body.replace('PORT', str(port))} }}"
    message = ok(run(source, egress_allowlist=[*allowlist, f"127.0.0.1:{port}"], timeout_ms=15000))
    assert message != "connected"
    assert "ECONNREFUSED" in message or "refused" in message.lower() or "connect" in message.lower(), message
