"""`mongodb+srv://` through scriptd: the workers' resolver points at a name server of the test's own
(--dns-server) answering the SRV record (_mongodb._tcp.cluster.trickle.test -> db1.cluster.trickle.test:
<peer port>), the TXT record (the URI's extra options) and the target's A record (127.0.0.1), and the
driver logs in over TLS to the MongoDB wire peer, trusting the test's authority given as PEM text
(`ca`; 3.x: `sslCA`), since a script cannot read a tlsCAFile."""

import pytest

from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY
from tests.fixtures.mongo_peer import mongo_peer
from tests.fixtures.name_server import NameServer
from tests.fixtures.scriptd import scriptd_running
from tests.fixtures.tls import new_authority

pytestmark = pytest.mark.scriptd

ZONE, TARGET = "cluster.trickle.test", "db1.cluster.trickle.test"
USER, PASSWORD = "app", "s3cret-pw"

LOGIN = """
async function login(email, password, callback) {
  const { MongoClient } = require('mongodb@%(major)s');
  const tls = %(major)s === 3 ? { ssl: true, sslCA: [configuration.CA], useUnifiedTopology: true } : { tls: true, ca: configuration.CA };
  const client = new MongoClient(configuration.URI, { serverSelectionTimeoutMS: 5000, ...tls });
  try {
    await client.connect();
    const user = await client.db('test').collection('users').findOne({ email: email });
    if (!user) return callback(new WrongUsernameOrPasswordError(email));
    callback(null, { user_id: String(user._id), email: user.email });
  } catch (err) {
    callback(new Error('mongodb: ' + err.message));
  } finally {
    await client.close();
  }
}
"""


@pytest.fixture(scope="module")
def authority():
    return new_authority()


@pytest.fixture(scope="module")
def peer(authority):
    cert, key = authority.issue(hosts=[TARGET])
    with mongo_peer(user=USER, password=PASSWORD, tls=(cert, key)) as peer:
        peer.client.test.users.insert_one({"email": "ann@example.com"})
        yield peer


@pytest.fixture(scope="module")
def name_server(peer):
    server = NameServer(
        srv={f"_mongodb._tcp.{ZONE}": [(0, 5, peer.port, TARGET)]},
        txt={ZONE: ["authSource=test"]},
        a={TARGET: ["127.0.0.1"]},
    )
    yield server
    server.sock.close()


@pytest.fixture(scope="module")
def srv_scriptd(tmp_path_factory, name_server):
    options = {"dns-server": f"127.0.0.1:{name_server.port}"}
    with scriptd_running(tmp_path_factory.mktemp("mongosrv"), workers=1, worker_options=options) as socket_path:
        yield socket_path


def login(socket_path, major, *, peer, authority, email="ann@example.com"):
    return scriptd.run_script_collect(
        **BY_KEY["login"].for_scriptd(),
        source=LOGIN % {"major": major},
        args=[email, "x"],
        configuration={"URI": f"mongodb+srv://{USER}:{PASSWORD}@{ZONE}/test", "CA": authority.cert_pem},
        # The SRV/TXT names are answered for a listed host (any port); the target and its address are
        # listed as any connection's are.
        egress_allowlist=[f"{ZONE}:27017", f"{TARGET}:{peer.port}", f"127.0.0.1:{peer.port}"],
        limits=scriptd.Limits(timeout_ms=15000),
        socket_path=socket_path,
    )


@pytest.mark.parametrize("major", ["3", "4", "5", "6"])
def test_mongodb_srv_logs_in_over_tls_through_the_test_name_server(srv_scriptd, name_server, peer, authority, major):
    name_server.asked.clear()
    out = login(srv_scriptd, major, peer=peer, authority=authority)
    assert out.status == "ok", out.result
    assert out.value["email"] == "ann@example.com"
    assert f"_mongodb._tcp.{ZONE}" in name_server.asked and ZONE in name_server.asked  # SRV, then TXT
    unknown = login(srv_scriptd, major, peer=peer, authority=authority, email="nobody@example.com")
    assert unknown.status == "error" and unknown.error["name"] == "WrongUsernameOrPasswordError", unknown.result


def test_mongodb_srv_refuses_a_peer_signed_by_another_authority(srv_scriptd, peer):
    out = login(srv_scriptd, "6", peer=peer, authority=new_authority("Another CA"))
    assert out.status == "error", out.result
    assert "certificate" in out.error["message"].lower(), out.error
