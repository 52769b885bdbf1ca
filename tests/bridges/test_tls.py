"""TLS through the sandbox's network layer, against real peers: a PostgreSQL cluster of our own that
accepts only TLS (SCRAM passwords) and an HTTPS server, both with certificates from a throw-away CA.
The host does the TLS and honours `ca`, `servername` and `rejectUnauthorized` as Node does."""

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.fixtures import skip_unless_ci
from tests.fixtures.tls import new_authority, tls_postgres

pytestmark = pytest.mark.scriptd

PASSWORD = "s3cret-pw"


@pytest.fixture(scope="module")
def authority():
    return new_authority()


@pytest.fixture(scope="module")
def tls_pg(authority):
    try:
        with tls_postgres(authority, password=PASSWORD) as port:
            yield port
    except FileNotFoundError as e:
        skip_unless_ci(str(e))


class Hello(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"path": self.path, "secure": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def https_port(authority, tmp_path_factory):
    cert, key = authority.issue(hosts=["localhost", "127.0.0.1"])
    folder = tmp_path_factory.mktemp("https")
    (folder / "cert.pem").write_text(cert)
    (folder / "key.pem").write_text(key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def pg_source(config_js: str) -> str:
    return f"""async function login(email, password, cb) {{
      const {{ Client }} = require('pg');
      const client = new Client({config_js});
      try {{ await client.connect(); }} catch (err) {{ return cb(null, {{ failed: err.message, code: err.code }}); }}
      const r = await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      await client.end();
      cb(null, {{ ssl: r.rows[0].ssl }});
    }}"""


def test_pg_over_tls_with_the_ca_given(run, tls_pg, authority):
    config = {"host": "localhost", "port": tls_pg, "user": "trickle", "password": PASSWORD, "database": "trickle"}
    source = pg_source(f"{{ ...{json.dumps(config)}, ssl: {{ ca: configuration.CA }} }}")
    outcome = run(
        source,
        egress_allowlist=[f"localhost:{tls_pg}", f"127.0.0.1:{tls_pg}"],
        configuration={"CA": authority.cert_pem},
    )
    assert outcome.value == {"ssl": True}, outcome.result


def test_pg_over_tls_wrong_password(run, tls_pg, authority):
    config = {"host": "localhost", "port": tls_pg, "user": "trickle", "password": "wrong", "database": "trickle"}
    source = pg_source(f"{{ ...{json.dumps(config)}, ssl: {{ ca: configuration.CA }} }}")
    outcome = run(
        source,
        egress_allowlist=[f"localhost:{tls_pg}", f"127.0.0.1:{tls_pg}"],
        configuration={"CA": authority.cert_pem},
    )
    assert outcome.value["code"] == "28P01", outcome.result


def test_an_unknown_ca_is_refused_unless_reject_unauthorized_is_false(run, tls_pg):
    stranger = new_authority("Someone else's CA")
    config = {"host": "localhost", "port": tls_pg, "user": "trickle", "password": PASSWORD, "database": "trickle"}
    allow = [f"localhost:{tls_pg}", f"127.0.0.1:{tls_pg}"]
    refused = run(
        pg_source(f"{{ ...{json.dumps(config)}, ssl: {{ ca: configuration.CA }} }}"),
        egress_allowlist=allow,
        configuration={"CA": stranger.cert_pem},
    )
    assert "certificate" in refused.value["failed"], refused.result
    lax = run(pg_source(f"{{ ...{json.dumps(config)}, ssl: {{ rejectUnauthorized: false }} }}"), egress_allowlist=allow)
    assert lax.value == {"ssl": True}, lax.result


def test_sslmode_in_the_url_wins_over_the_ssl_key(run, tls_pg, authority):
    """As in node-postgres: the connection string's parameters override the keys given beside it."""
    url = f"postgres://trickle:{PASSWORD}@localhost:{tls_pg}/trickle"
    allow = [f"localhost:{tls_pg}", f"127.0.0.1:{tls_pg}"]
    plain = run(
        pg_source(f"{{ connectionString: '{url}?sslmode=disable', ssl: {{ ca: configuration.CA }} }}"),
        egress_allowlist=allow,
        configuration={"CA": authority.cert_pem},
    )
    assert "no encryption" in plain.value["failed"] or "reject" in plain.value["failed"], plain.result
    stranger = new_authority("Someone else's CA")
    no_verify = run(
        pg_source(f"{{ connectionString: '{url}?sslmode=no-verify', ssl: {{ ca: configuration.CA }} }}"),
        egress_allowlist=allow,
        configuration={"CA": stranger.cert_pem},
    )
    assert no_verify.value == {"ssl": True}, no_verify.result


def test_https_with_the_ca_as_node_fetch_axios_and_https_use_it(run, https_port, authority):
    source = f"""async function login(email, password, cb) {{
      const https = require('https');
      const agent = new https.Agent({{ ca: configuration.CA }});
      const url = 'https://localhost:{https_port}/hello';
      const viaFetch = await (await require('node-fetch')(url, {{ agent }})).json();
      const viaAxios = (await require('axios').get(url, {{ httpsAgent: agent }})).data;
      const viaHttps = await new Promise((resolve, reject) => https.get(url, {{ ca: configuration.CA }}, (res) => {{
        let text = ''; res.setEncoding('utf8'); res.on('data', (c) => (text += c)); res.on('end', () => resolve(JSON.parse(text)));
      }}).on('error', reject));
      let unknown;
      try {{ await require('node-fetch')(url); }} catch (err) {{ unknown = err.message; }}
      cb(null, {{ viaFetch, viaAxios, viaHttps, unknown }});
    }}"""
    outcome = run(
        source,
        egress_allowlist=[f"localhost:{https_port}", f"127.0.0.1:{https_port}"],
        configuration={"CA": authority.cert_pem},
    )
    value = outcome.value
    assert value is not None, outcome.result
    expected = {"path": "/hello", "secure": True}
    assert value["viaFetch"] == value["viaAxios"] == value["viaHttps"] == expected
    assert "certificate" in value["unknown"]
