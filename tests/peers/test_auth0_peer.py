"""The real `auth0` SDK, majors 2, 3 and 4, in plain Node against the local HTTPS Auth0 peer
(tests/fixtures/auth0_peer.py): a password login, then a Management API look-up by email with a
client_credentials token; a wrong password is refused; the peer's certificate is really checked."""

import json
import os

import pytest

from tests.fixtures.auth0_peer import auth0_peer

ANN = {"ann@example.com": {"password": "Corr3ct-Horse!", "user_id": "auth0|ann", "nickname": "ann"}}


@pytest.fixture(scope="module")
def peer(authority):
    with auth0_peer(authority, users=ANN) as running:
        yield running


@pytest.fixture(scope="module")
def trusting_env(authority, tmp_path_factory):
    """Node's environment with our authority trusted (NODE_EXTRA_CA_CERTS), as a real tenant's CA is."""
    ca = tmp_path_factory.mktemp("auth0-ca") / "ca.pem"
    ca.write_text(authority.cert_pem)
    return {"PATH": os.environ["PATH"], "NODE_EXTRA_CA_CERTS": str(ca)}


def login(node_script, packages, peer, major, password, env):
    request = {
        "domain": peer.domain,
        "clientId": peer.client_id,
        "clientSecret": peer.client_secret,
        "username": "ann@example.com",
        "password": password,
    }
    return node_script("auth0_login.js", packages("auth0", major), json.dumps(request), env=env)


@pytest.mark.parametrize("major", [2, 3, 4])
def test_login_and_management_lookup(node_script, packages, peer, trusting_env, major):
    out = login(node_script, packages, peer, major, "Corr3ct-Horse!", trusting_env)
    assert out.get("ok"), out
    assert out["accessToken"] in peer.tokens
    assert out["users"] == [
        {"user_id": "auth0|ann", "email": "ann@example.com", "nickname": "ann", "email_verified": True}
    ]


@pytest.mark.parametrize("major", [2, 3, 4])
def test_a_wrong_password_is_refused(node_script, packages, peer, trusting_env, major):
    out = login(node_script, packages, peer, major, "wrong", trusting_env)
    assert "error" in out and (out.get("statusCode") == 403 or "Wrong email or password" in out["message"]), out


@pytest.mark.parametrize("major", [2, 3, 4])
def test_an_untrusted_certificate_is_refused(node_script, packages, peer, major):
    out = login(node_script, packages, peer, major, "Corr3ct-Horse!", {"PATH": os.environ["PATH"]})
    assert "error" in out and "certificate" in out["message"].lower(), out
