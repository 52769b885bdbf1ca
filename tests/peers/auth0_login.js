// Uses the real `auth0` SDK (folder argv[2], major 2, 3 or 4) against the Auth0 peer: a password-realm
// login with the Authentication API, then the user looked up by email with the Management API (its
// token from client_credentials). argv[3]: JSON {domain, clientId, clientSecret, username, password}.
// Prints {ok, accessToken, users} or {error, message, statusCode}.
'use strict';

const dir = process.argv[2];
const input = JSON.parse(process.argv[3]);
const auth0 = require(dir);
const major = Number(require(dir + '/package.json').version.split('.')[0]);
const options = { domain: input.domain, clientId: input.clientId, clientSecret: input.clientSecret };

async function main() {
  const authentication = new auth0.AuthenticationClient(options);
  const grant = { username: input.username, password: input.password, realm: 'Username-Password-Authentication' };
  const management = new auth0.ManagementClient(options);
  if (major >= 4) {
    const tokens = (await authentication.oauth.passwordGrant(grant)).data;
    const users = (await management.usersByEmail.getByEmail({ email: input.username })).data;
    return { accessToken: tokens.access_token, users };
  }
  const tokens = await authentication.oauth.passwordGrant(grant);
  const users = await management.getUsersByEmail(input.username);
  return { accessToken: tokens.access_token, users };
}

main().then(
  (out) => console.log(JSON.stringify(Object.assign({ ok: true }, out))),
  (err) => {
    // v4 wraps fetch's error, whose own cause names the TLS failure.
    const causes = [];
    for (let c = err.cause; c; c = c.cause) causes.push(c.message || String(c));
    const message = [err.message, ...causes].join(': ');
    console.log(JSON.stringify({ error: err.name, message, statusCode: err.statusCode }));
    process.exitCode = 1;
  },
);
