"""The MongoDB wire peer (tests/fixtures/mongo_peer.py) proved with the real `mongodb` driver, each
major, in plain Node: handshake, OP_QUERY and OP_MSG commands, 64-bit cursor ids, SCRAM-SHA-1/256 with
real crypto (and a wrong password refused), TLS with a certificate of our own authority."""

import pytest

from tests.fixtures.mongo_peer import mongo_peer
from tests.fixtures.tls import new_authority

MAJORS = ["3", "4", "5", "6"]
USER, PASSWORD = "app", "s3cret-pa55"


def expect_roundtrip(out, version_prefix):
    assert "error" not in out, out
    assert out["version"].startswith(version_prefix)
    assert out["found"] == {"email": "ann@example.com", "id": out["insertedId"]}
    assert out["modified"] == 1 and out["logins"] == 1
    assert out["count"] == 2  # ann and the seeded zed
    assert out["emails"] == ["ann@example.com", "zed@example.com"]
    assert out["deleted"] == 1 and out["after"] is None


@pytest.mark.parametrize("major", MAJORS)
@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-1"])
def test_each_major_reads_and_writes_through_scram(node_script, packages, major, mechanism):
    with mongo_peer(user=USER, password=PASSWORD) as peer:
        peer.client.test.users.insert_one({"email": "zed@example.com"})
        out = node_script(
            "mongo_roundtrip.js",
            packages("mongodb", major),
            peer.uri(options=f"authSource=test&authMechanism={mechanism}"),
        )
        expect_roundtrip(out, major + ".")
        # The engine behind the peer really holds what the driver wrote.
        assert peer.client.test.users.count_documents({}) == 1
        assert "OpMsg" in peer.opcodes_seen  # 3.x too, against a server of wire version 13


def test_mongodb_3_speaks_op_query_to_an_old_server(node_script, packages):
    """Against wire version 5 (MongoDB 3.4) the 3.x driver sends every command as OP_QUERY to db.$cmd."""
    with mongo_peer(user=USER, password=PASSWORD, wire_version=5) as peer:
        peer.client.test.users.insert_one({"email": "zed@example.com"})
        expect_roundtrip(
            node_script("mongo_roundtrip.js", packages("mongodb", 3), peer.uri(options="authSource=test")), "3."
        )
        assert peer.opcodes_seen == {"Command"}


@pytest.mark.parametrize("major", MAJORS)
def test_a_wrong_password_is_refused(node_script, packages, major):
    with mongo_peer(user=USER, password=PASSWORD) as peer:
        uri = f"mongodb://{USER}:not-the-password@127.0.0.1:{peer.port}/test?authSource=test"
        out = node_script("mongo_roundtrip.js", packages("mongodb", major), uri)
        assert "Authentication failed" in out["message"], out
        assert peer.client.test.users.count_documents({}) == 0


@pytest.mark.parametrize("major", MAJORS)
def test_without_credentials_commands_are_unauthorized(node_script, packages, major):
    with mongo_peer(user=USER, password=PASSWORD) as peer:
        out = node_script("mongo_roundtrip.js", packages("mongodb", major), f"mongodb://127.0.0.1:{peer.port}/test")
        assert "requires authentication" in out["message"], out


@pytest.mark.parametrize("major", MAJORS)
def test_tls_with_our_authority(node_script, packages, authority, tmp_path, major):
    cert, key = authority.issue(hosts=["localhost", "127.0.0.1"])
    ca = tmp_path / "ca.pem"
    ca.write_text(authority.cert_pem)
    with mongo_peer(user=USER, password=PASSWORD, tls=(cert, key)) as peer:
        peer.client.test.users.insert_one({"email": "zed@example.com"})
        uri = peer.uri(host=f"localhost:{peer.port}", options=f"authSource=test&tls=true&tlsCAFile={ca}")
        expect_roundtrip(node_script("mongo_roundtrip.js", packages("mongodb", major), uri), major + ".")
        # An unknown authority is refused by the driver (the peer's certificate is really checked).
        other = tmp_path / "other.pem"
        other.write_text(new_authority("Someone else").cert_pem)
        uri = peer.uri(
            host=f"localhost:{peer.port}",
            options=f"authSource=test&tls=true&tlsCAFile={other}&serverSelectionTimeoutMS=3000",
        )
        out = node_script("mongo_roundtrip.js", packages("mongodb", major), uri)
        assert "error" in out and "certificate" in out["message"].lower(), out
