// Code before the function: helpers and constants at the top of the file.
// expect: {"status": "ok", "value": {"user_id": "ALICE@EXAMPLE.COM", "n": 3}}
// wrong-password: same (the script checks no password)
const { Client } = require('pg');
var counter = 0;
function normalise(email) {
  counter += 1;
  return email.toUpperCase();
}
const LIMIT = 3;

async function login(email, password, callback) {
  const client = new Client(configuration.PG_URL);
  await client.connect();
  const res = await client.query('SELECT $1::int AS n', [LIMIT]);
  await client.end();
  callback(null, { user_id: normalise(email), n: res.rows[0].n });
}
