"""The real AWS SDKs in plain Node against moto in server mode (tests/fixtures/aws_peer.py): aws-sdk v2,
the v3 Cognito and DynamoDB clients, amazon-cognito-identity-js. Right passwords log in and the user's
DynamoDB item is read; wrong ones are refused in the password flows (moto does not check SRP proofs)."""

import base64
import json

import pytest

from tests.fixtures.aws_peer import aws_peer

PASSWORD_FLOWS = [
    ("v2", "USER_PASSWORD_AUTH"),
    ("v2", "ADMIN_USER_PASSWORD_AUTH"),
    ("v3", "USER_PASSWORD_AUTH"),
    ("v3", "ADMIN_USER_PASSWORD_AUTH"),
    ("cognito-js", "USER_PASSWORD_AUTH"),
]
DIRS = [
    "aws-sdk",
    "@aws-sdk/client-cognito-identity-provider",
    "@aws-sdk/client-dynamodb",
    "amazon-cognito-identity-js",
]


@pytest.fixture(scope="module")
def peer():
    with aws_peer() as running:
        yield running


def login(node_script, packages, peer, sdk, flow, password):
    request = {
        **peer.as_config(),
        "sdk": sdk,
        "flow": flow,
        "dirs": {name: packages(name) for name in DIRS},
        "username": peer.username,
        "password": password,
    }
    return node_script("aws_login.js", json.dumps(request))


def claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.mark.parametrize("sdk,flow", PASSWORD_FLOWS)
def test_the_right_password_logs_in_and_reads_the_item(node_script, packages, peer, sdk, flow):
    out = login(node_script, packages, peer, sdk, flow, peer.password)
    assert out.get("ok"), out
    assert claims(out["idToken"])["email"] == peer.username
    if sdk != "cognito-js":
        assert out["item"]["email"] == peer.username and out["item"]["nickname"] == "ann"


@pytest.mark.parametrize("sdk,flow", PASSWORD_FLOWS)
def test_a_wrong_password_is_refused(node_script, packages, peer, sdk, flow):
    out = login(node_script, packages, peer, sdk, flow, "Wrong-Horse-1!")
    assert out.get("error") == "NotAuthorizedException", out


def test_cognito_js_completes_the_srp_exchange(node_script, packages, peer):
    """The library's default flow: its SRP messages reach moto and it gets tokens back. (moto answers
    SRP whatever the password, so this proves the exchange, not a password check.)"""
    out = login(node_script, packages, peer, "cognito-js", "USER_SRP_AUTH", peer.password)
    assert out.get("ok"), out
    assert claims(out["idToken"])["token_use"] == "id"
