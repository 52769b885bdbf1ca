"""The same peers through scriptd: scripts in isolates use the catalog's real packages, with the
peer's host:port on the run's egress allow-list. AWS logins (aws-sdk v2, the v3 client,
amazon-cognito-identity-js) against moto; the auth0 SDK reaching the HTTPS fixture (whose authority
scriptd does not trust: the failure must say so); tedious, oracledb and neo4j-driver speaking their
protocols to a recorder here and reporting refusals clearly."""

import pytest

from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY
from tests.fixtures.auth0_peer import auth0_peer
from tests.fixtures.aws_peer import CREDENTIALS, REGION, aws_peer
from tests.fixtures.scriptd import scriptd_running
from tests.fixtures.tls import free_port, new_authority

from .test_sql_drivers import FIRST_MESSAGE, Recorder

pytestmark = pytest.mark.scriptd


def run_login(socket_path, source, args, *, allow, configuration=None, timeout_ms=15000):
    result = scriptd.run_script_collect(
        **BY_KEY["login"].for_scriptd(),
        source=source,
        args=args,
        configuration=configuration or {},
        egress_allowlist=allow,
        limits=scriptd.Limits(timeout_ms=timeout_ms),
        socket_path=socket_path,
    )
    return result


AWS_LOGIN = {
    "aws-sdk v2": """
async function login(email, password, callback) {
  const AWS = require('aws-sdk@2');
  const idp = new AWS.CognitoIdentityServiceProvider({
    region: configuration.AWS_REGION, endpoint: configuration.AWS_ENDPOINT,
    credentials: { accessKeyId: configuration.AWS_KEY, secretAccessKey: configuration.AWS_SECRET },
  });
  let auth;
  try {
    auth = await idp.initiateAuth({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: configuration.CLIENT_ID,
      AuthParameters: { USERNAME: email, PASSWORD: password } }).promise();
  } catch (err) {
    if (err.code === 'NotAuthorizedException') return callback(new WrongUsernameOrPasswordError(email));
    return callback(new Error('Cognito: ' + err.message));
  }
  const docs = new AWS.DynamoDB.DocumentClient({
    region: configuration.AWS_REGION, endpoint: configuration.AWS_ENDPOINT,
    credentials: { accessKeyId: configuration.AWS_KEY, secretAccessKey: configuration.AWS_SECRET },
  });
  const item = (await docs.get({ TableName: 'users', Key: { email: email } }).promise()).Item;
  callback(null, { user_id: item.user_id, email: email, nickname: item.nickname,
    has_token: auth.AuthenticationResult.IdToken.split('.').length === 3 });
}
""",
    "@aws-sdk v3": """
async function login(email, password, callback) {
  const cognito = require('@aws-sdk/client-cognito-identity-provider@3');
  const dynamodb = require('@aws-sdk/client-dynamodb@3');
  const options = { region: configuration.AWS_REGION, endpoint: configuration.AWS_ENDPOINT,
    credentials: { accessKeyId: configuration.AWS_KEY, secretAccessKey: configuration.AWS_SECRET } };
  let auth;
  try {
    auth = await new cognito.CognitoIdentityProviderClient(options).send(new cognito.AdminInitiateAuthCommand({
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', UserPoolId: configuration.POOL_ID, ClientId: configuration.CLIENT_ID,
      AuthParameters: { USERNAME: email, PASSWORD: password } }));
  } catch (err) {
    if (err.name === 'NotAuthorizedException') return callback(new WrongUsernameOrPasswordError(email));
    return callback(new Error('Cognito: ' + err.message));
  }
  const got = await new dynamodb.DynamoDBClient(options).send(
    new dynamodb.GetItemCommand({ TableName: 'users', Key: { email: { S: email } } }));
  callback(null, { user_id: got.Item.user_id.S, email: email, nickname: got.Item.nickname.S,
    has_token: auth.AuthenticationResult.IdToken.split('.').length === 3 });
}
""",
    "amazon-cognito-identity-js": """
function login(email, password, callback) {
  const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');
  const pool = new CognitoUserPool({ UserPoolId: configuration.POOL_ID, ClientId: configuration.CLIENT_ID,
    endpoint: configuration.AWS_ENDPOINT });
  const user = new CognitoUser({ Username: email, Pool: pool });
  user.setAuthenticationFlowType('USER_PASSWORD_AUTH');
  user.authenticateUser(new AuthenticationDetails({ Username: email, Password: password }), {
    onSuccess: (session) => callback(null, { user_id: '42', email: email, nickname: 'ann',
      has_token: session.getIdToken().getJwtToken().split('.').length === 3 }),
    onFailure: (err) => err.code === 'NotAuthorizedException' || err.name === 'NotAuthorizedException'
      ? callback(new WrongUsernameOrPasswordError(email))
      : callback(new Error('Cognito: ' + err.message)),
  });
}
""",
}


@pytest.fixture(scope="module")
def aws():
    with aws_peer() as peer:
        yield peer


def aws_configuration(peer):
    return {
        "AWS_REGION": REGION,
        "AWS_ENDPOINT": peer.endpoint,
        "AWS_KEY": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET": CREDENTIALS["aws_secret_access_key"],
        "POOL_ID": peer.pool_id,
        "CLIENT_ID": peer.client_id,
    }


@pytest.mark.parametrize("sdk", AWS_LOGIN)
def test_aws_logins_in_scriptd(scriptd_socket, aws, sdk):
    config = aws_configuration(aws)
    right = run_login(
        scriptd_socket, AWS_LOGIN[sdk], [aws.username, aws.password], allow=[aws.host_port], configuration=config
    )
    assert right.status == "ok", right.result
    assert right.value == {"user_id": "42", "email": aws.username, "nickname": "ann", "has_token": True}
    wrong = run_login(
        scriptd_socket, AWS_LOGIN[sdk], [aws.username, "Wrong-Horse-1!"], allow=[aws.host_port], configuration=config
    )
    assert wrong.status == "error" and wrong.error["name"] == "WrongUsernameOrPasswordError", wrong.result


@pytest.mark.parametrize("sdk", AWS_LOGIN)
def test_aws_without_the_allow_list_entry_is_refused(scriptd_socket, aws, sdk):
    out = run_login(
        scriptd_socket, AWS_LOGIN[sdk], [aws.username, aws.password], allow=[], configuration=aws_configuration(aws)
    )
    assert out.status == "error" and "is not allowed" in out.error["message"], out.result


AUTH0_LOGIN = """
async function login(email, password, callback) {
  const auth0 = require('auth0@%(major)s');
  const authentication = new auth0.AuthenticationClient({ domain: configuration.AUTH0_DOMAIN,
    clientId: configuration.AUTH0_CLIENT_ID, clientSecret: configuration.AUTH0_CLIENT_SECRET });
  try {
    await authentication.oauth.passwordGrant({ username: email, password: password, realm: 'Username-Password-Authentication' });
  } catch (err) {
    const causes = [];
    for (let c = err.cause; c; c = c.cause) causes.push(c.message || String(c));
    return callback(new Error([err.message].concat(causes).join(': ')));
  }
  callback(null, { user_id: 'auth0|ann', email: email });
}
"""


@pytest.mark.parametrize("major", ["2", "3", "4"])
def test_the_auth0_sdk_reaches_the_https_fixture_and_names_the_untrusted_certificate(scriptd_socket, authority, major):
    """scriptd trusts the system's authorities only, so the fixture's own authority is refused, clearly
    (the full login, with the script trusting the fixture's authority, is the next test)."""
    users = {"ann@example.com": {"password": "pw", "user_id": "auth0|ann", "nickname": "ann"}}
    with auth0_peer(authority, users=users) as peer:
        port = peer.domain.split(":")[1]
        config = {
            "AUTH0_DOMAIN": peer.domain,
            "AUTH0_CLIENT_ID": peer.client_id,
            "AUTH0_CLIENT_SECRET": peer.client_secret,
        }
        out = run_login(
            scriptd_socket,
            AUTH0_LOGIN % {"major": major},
            ["ann@example.com", "pw"],
            allow=[f"localhost:{port}", f"127.0.0.1:{port}"],
            configuration=config,
        )
    assert out.status == "error", out.result
    assert "certificate" in out.error["message"].lower(), out.error


# As in Node, a script trusts an extra authority by setting https.globalAgent.options.ca: every request
# without an agent of its own uses it (node-fetch under auth0 4.x). auth0 2.x/3.x send through superagent
# with `agent: false` (a fresh agent per request, as in Node), and neither SDK takes a `ca` or an agent:
# they would need an operator-level extra authority (Node's NODE_EXTRA_CA_CERTS), which scriptd lacks.
NO_CA_OPTION = pytest.mark.xfail(reason="auth0 2.x/3.x: no way to pass a CA, see the comment above", strict=True)


@pytest.fixture(scope="module")
def trusting_scriptd(tmp_path_factory, authority):
    """A scriptd whose workers trust the fixture's authority besides Node's roots (--extra-ca-file, as
    Node's NODE_EXTRA_CA_CERTS): what an operator with an internal CA sets, for every SDK."""
    folder = tmp_path_factory.mktemp("extraca")
    (folder / "ca.pem").write_text(authority.cert_pem)
    with scriptd_running(folder, workers=1, worker_options={"extra-ca-file": folder / "ca.pem"}) as socket_path:
        yield socket_path


@pytest.mark.parametrize("major", ["2", "3", "4"])
def test_the_auth0_sdk_logs_in_when_the_workers_trust_the_authority(trusting_scriptd, authority, major):
    users = {"ann@example.com": {"password": "pw", "user_id": "auth0|ann", "nickname": "ann"}}
    with auth0_peer(authority, users=users) as peer:
        port = peer.domain.split(":")[1]
        config = {
            "AUTH0_DOMAIN": peer.domain,
            "AUTH0_CLIENT_ID": peer.client_id,
            "AUTH0_CLIENT_SECRET": peer.client_secret,
        }
        allow = [f"localhost:{port}", f"127.0.0.1:{port}"]
        login = AUTH0_LOGIN % {"major": major}
        good = run_login(trusting_scriptd, login, ["ann@example.com", "pw"], allow=allow, configuration=config)
        bad = run_login(trusting_scriptd, login, ["ann@example.com", "nope"], allow=allow, configuration=config)
        # A script's own `ca` replaces the defaults, as in Node: another authority is refused.
        other = run_login(
            trusting_scriptd,
            TRUSTING_AUTH0_LOGIN % {"major": "4"},
            ["ann@example.com", "pw"],
            allow=allow,
            configuration={**config, "AUTH0_CA": new_authority("Another CA").cert_pem},
        )
    assert good.status == "ok", good.result
    assert good.value == {"user_id": "auth0|ann", "email": "ann@example.com"}
    assert bad.status == "error" and "certificate" not in bad.error["message"].lower(), bad.result
    assert other.status == "error" and "certificate" in other.error["message"].lower(), other.result


TRUSTING_AUTH0_LOGIN = AUTH0_LOGIN.replace(
    "  const auth0 = ", "  require('https').globalAgent.options.ca = configuration.AUTH0_CA;\n  const auth0 = "
).replace(
    "callback(null, { user_id: 'auth0|ann', email: email });",
    "callback(null, { user_id: 'auth0|ann', email: email, trusted: true });",
)


@pytest.mark.parametrize("major", [pytest.param("2", marks=NO_CA_OPTION), pytest.param("3", marks=NO_CA_OPTION), "4"])
def test_the_auth0_sdk_logs_in_against_the_https_fixture_when_the_script_trusts_its_authority(
    scriptd_socket, authority, major
):
    users = {"ann@example.com": {"password": "pw", "user_id": "auth0|ann", "nickname": "ann"}}
    with auth0_peer(authority, users=users) as peer:
        port = peer.domain.split(":")[1]
        config = {
            "AUTH0_DOMAIN": peer.domain,
            "AUTH0_CLIENT_ID": peer.client_id,
            "AUTH0_CLIENT_SECRET": peer.client_secret,
            "AUTH0_CA": authority.cert_pem,
        }
        allow = [f"localhost:{port}", f"127.0.0.1:{port}"]
        login = TRUSTING_AUTH0_LOGIN % {"major": major}
        good = run_login(scriptd_socket, login, ["ann@example.com", "pw"], allow=allow, configuration=config)
        bad = run_login(scriptd_socket, login, ["ann@example.com", "nope"], allow=allow, configuration=config)
        requests = list(peer.requests)
    assert good.status == "ok", good.result
    assert good.value == {"user_id": "auth0|ann", "email": "ann@example.com", "trusted": True}
    assert bad.status == "error" and "certificate" not in bad.error["message"].lower(), bad.result
    assert requests == [("POST", "/oauth/token"), ("POST", "/oauth/token")]


DB_CONNECT = {
    "tedious": """
function login(email, password, callback) {
  const { Connection } = require('tedious');
  const connection = new Connection({ server: '127.0.0.1',
    authentication: { type: 'default', options: { userName: 'sa', password: 'x' } },
    options: { port: Number(configuration.PORT), encrypt: true, trustServerCertificate: false, connectTimeout: 3000 } });
  connection.connect((err) => {
    connection.close();
    if (!err) return callback(null, null);
    const all = [err.message].concat(((err.cause || {}).errors || []).map((e) => (e.code || '') + ' ' + e.message));
    if (err.cause && err.cause.message) all.push(err.cause.message);
    callback(new Error(all.join(': ')));
  });
}
""",
    "oracledb": """
async function login(email, password, callback) {
  const oracledb = require('oracledb');
  try {
    const c = await oracledb.getConnection({ user: 'app', password: 'x',
      connectString: '127.0.0.1:' + configuration.PORT + '/FREEPDB1', connectTimeout: 3 });
    await c.close();
  } catch (err) {
    return callback(new Error(err.message + (err.cause ? ': ' + err.cause.message : '')));
  }
  callback(null, null);
}
""",
    "neo4j": """
async function login(email, password, callback) {
  const neo4j = require('neo4j-driver');
  const driver = neo4j.driver('bolt://127.0.0.1:' + configuration.PORT, neo4j.auth.basic('neo4j', 'x'),
    { connectionTimeout: 3000 });
  try {
    await driver.verifyConnectivity();
  } catch (err) {
    await driver.close();
    return callback(new Error(err.message + (err.cause ? ': ' + err.cause.message : '')));
  }
  await driver.close();
  callback(null, null);
}
""",
}


DB_CONNECT["neo4j 4.4"] = DB_CONNECT["neo4j"].replace("require('neo4j-driver')", "require('neo4j-driver@4')")
DB_KINDS = ["tedious", "oracledb", "neo4j", "neo4j 4.4"]
FIRST_MESSAGE.setdefault("neo4j 4.4", FIRST_MESSAGE["neo4j"])


@pytest.mark.parametrize("kind", DB_KINDS)
def test_sql_and_graph_drivers_refused_connection_in_scriptd(scriptd_socket, kind):
    port = free_port()
    out = run_login(
        scriptd_socket,
        DB_CONNECT[kind],
        ["a@example.com", "x"],
        allow=[f"127.0.0.1:{port}"],
        configuration={"PORT": str(port)},
    )
    assert out.status == "error", out.result
    assert "ECONNREFUSED" in out.error["message"] or "refused" in out.error["message"].lower(), out.error


@pytest.mark.parametrize("kind", DB_KINDS)
def test_sql_and_graph_drivers_speak_their_protocol_from_scriptd(scriptd_socket, kind):
    recorder = Recorder()
    try:
        out = run_login(
            scriptd_socket,
            DB_CONNECT[kind],
            ["a@example.com", "x"],
            allow=[f"127.0.0.1:{recorder.port}"],
            configuration={"PORT": str(recorder.port)},
        )
    finally:
        recorder.close()
    assert out.status == "error", out.result
    assert recorder.first_bytes and FIRST_MESSAGE[kind](recorder.first_bytes[0]), recorder.first_bytes
