"""HTTP keep-alive through the sandbox: an Agent made with `keepAlive: true` (given to http.get, axios
or node-fetch) sends its next requests over the socket the host already holds, as Node does; the
global agents still use one socket per request. Counted on the server: connections accepted."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .test_bridges import ok

pytestmark = pytest.mark.scriptd


class KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # connections live on unless a side says otherwise
    server_state: dict = {}

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.server_state["accepted"] += 1

    def do_GET(self):
        self.server_state["requests"] += 1
        body = json.dumps({"path": self.path, "connection": self.server_state["accepted"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.path.startswith("/last"):
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    state = {"accepted": 0, "requests": 0}
    handler = type("Handler", (KeepAliveHandler,), {"server_state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{httpd.server_address[1]}", state
    httpd.shutdown()
    httpd.server_close()


def run_here(run, where, source, **kwargs):
    return ok(run(source.replace("HERE", f"http://{where}"), egress_allowlist=[where], **kwargs))


def test_a_keep_alive_agent_reuses_its_socket_with_http_get(run, server):
    where, state = server
    source = """async function login(e, p, cb) {
      const http = require('http');
      const agent = new http.Agent({ keepAlive: true });
      const get = (path) => new Promise((resolve, reject) => {
        const req = http.get('HERE' + path, { agent }, (res) => {
          let body = '';
          res.on('data', (d) => body += d).on('end', () => resolve({ reused: req.reusedSocket, body: JSON.parse(body) }));
        });
        req.on('error', reject);
      });
      const out = [await get('/a'), await get('/b'), await get('/c')];
      agent.destroy();
      cb(null, out.map((r) => [r.reused, r.body.connection]));
    }"""
    assert run_here(run, where, source) == [[False, 1], [True, 1], [True, 1]]
    assert (state["accepted"], state["requests"]) == (1, 3)


def test_axios_and_node_fetch_with_a_keep_alive_agent(run, server):
    where, state = server
    source = """async function login(e, p, cb) {
      const http = require('http');
      const axios = require('axios');
      const fetch = require('node-fetch');
      const agent = new http.Agent({ keepAlive: true });
      const a = await axios.get('HERE/axios1', { httpAgent: agent });
      const b = await axios.get('HERE/axios2', { httpAgent: agent });
      const c = await (await fetch('HERE/fetch', { agent })).json();
      agent.destroy();
      cb(null, [a.data.connection, b.data.connection, c.connection]);
    }"""
    assert run_here(run, where, source) == [1, 1, 1]
    assert state["accepted"] == 1


def test_without_a_keep_alive_agent_each_request_has_its_socket(run, server):
    where, state = server
    source = """async function login(e, p, cb) {
      const axios = require('axios');
      const a = await axios.get('HERE/one');
      const b = await axios.get('HERE/two');
      cb(null, [a.data.connection, b.data.connection]);
    }"""
    assert run_here(run, where, source) == [1, 2]
    assert state["accepted"] == 2


def test_a_connection_the_server_closes_is_not_reused(run, server):
    where, state = server
    source = """async function login(e, p, cb) {
      const agent = new (require('http').Agent)({ keepAlive: true });
      const axios = require('axios').create({ httpAgent: agent });
      const seen = [];
      for (const path of ['/first', '/last', '/after']) seen.push((await axios.get('HERE' + path)).data.connection);
      agent.destroy();
      cb(null, seen);
    }"""
    assert run_here(run, where, source) == [1, 1, 2]
    assert state["accepted"] == 2


def test_a_warm_isolate_keeps_its_agent_socket_between_logins(run, server):
    where, state = server
    source = """async function login(e, p, cb) {
      global.agent = global.agent || new (require('http').Agent)({ keepAlive: true });
      const { data } = await require('axios').get('HERE/login', { httpAgent: global.agent });
      cb(null, data.connection);
    }"""
    answers = [run_here(run, where, source, mode="warm", connection_id="con_keep_alive") for _ in range(3)]
    assert answers == [1, 1, 1]
    assert (state["accepted"], state["requests"]) == (1, 3)
