// Logs a user in against an AWS endpoint (the moto peer) with one of the real SDKs, then reads the
// user's item from DynamoDB with the same SDK family. argv[2]: JSON {sdk, dirs: {package: folder},
// endpoint, region, poolId, clientId, table, accessKeyId, secretAccessKey, username, password, flow}.
// Prints {ok, idToken?, item?} or {error, message}.
'use strict';

const input = JSON.parse(process.argv[2]);
const pkg = (name) => require(input.dirs[name]);
const credentials = { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey };
const params = { USERNAME: input.username, PASSWORD: input.password };

async function v2() {
  const AWS = pkg('aws-sdk');
  const options = { region: input.region, endpoint: input.endpoint, credentials };
  const idp = new AWS.CognitoIdentityServiceProvider(options);
  const auth = input.flow === 'ADMIN_USER_PASSWORD_AUTH'
    ? await idp.adminInitiateAuth({ AuthFlow: input.flow, UserPoolId: input.poolId, ClientId: input.clientId, AuthParameters: params }).promise()
    : await idp.initiateAuth({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: input.clientId, AuthParameters: params }).promise();
  const docs = new AWS.DynamoDB.DocumentClient(options);
  const item = (await docs.get({ TableName: input.table, Key: { email: input.username } }).promise()).Item;
  return { idToken: auth.AuthenticationResult.IdToken, item };
}

async function v3() {
  const cognito = pkg('@aws-sdk/client-cognito-identity-provider');
  const dynamodb = pkg('@aws-sdk/client-dynamodb');
  const options = { region: input.region, endpoint: input.endpoint, credentials };
  const idp = new cognito.CognitoIdentityProviderClient(options);
  const command = input.flow === 'ADMIN_USER_PASSWORD_AUTH'
    ? new cognito.AdminInitiateAuthCommand({ AuthFlow: input.flow, UserPoolId: input.poolId, ClientId: input.clientId, AuthParameters: params })
    : new cognito.InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: input.clientId, AuthParameters: params });
  const auth = await idp.send(command);
  const db = new dynamodb.DynamoDBClient(options);
  const got = await db.send(new dynamodb.GetItemCommand({ TableName: input.table, Key: { email: { S: input.username } } }));
  return { idToken: auth.AuthenticationResult.IdToken, item: { email: got.Item.email.S, nickname: got.Item.nickname.S } };
}

function cognitoJs() {
  const { CognitoUserPool, CognitoUser, AuthenticationDetails } = pkg('amazon-cognito-identity-js');
  const pool = new CognitoUserPool({ UserPoolId: input.poolId, ClientId: input.clientId, endpoint: input.endpoint });
  const user = new CognitoUser({ Username: input.username, Pool: pool });
  // USER_SRP_AUTH is the library's default; USER_PASSWORD_AUTH sends the password itself.
  if (input.flow === 'USER_PASSWORD_AUTH') user.setAuthenticationFlowType('USER_PASSWORD_AUTH');
  return new Promise((resolve, reject) => {
    user.authenticateUser(new AuthenticationDetails({ Username: input.username, Password: input.password }), {
      onSuccess: (session) => resolve({ idToken: session.getIdToken().getJwtToken() }),
      onFailure: reject,
    });
  });
}

const run = { v2, v3, 'cognito-js': cognitoJs }[input.sdk];
run().then(
  (out) => console.log(JSON.stringify(Object.assign({ ok: true }, out))),
  (err) => {
    console.log(JSON.stringify({ error: err.name || err.code, message: err.message }));
    process.exitCode = 1;
  },
);
