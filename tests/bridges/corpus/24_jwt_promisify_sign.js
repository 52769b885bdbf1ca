// util.promisify(jwt.sign) and jwt's callback form (its jws streams), then a pg lookup and native bcrypt.
// expect: {"status": "ok", "value": {"user_id": "1", "parts": 3, "sub": "alice@example.com"}}
// wrong-password: WrongUsernameOrPasswordError
const util = require('util');
const jwt = require('jsonwebtoken');
const sign = util.promisify(jwt.sign);
async function login(email, password, callback) {
  const { Client } = require('pg');
  const client = new Client(configuration.PG_URL);
  await client.connect();
  const { rows } = await client.query('SELECT id, password FROM users WHERE email = $1', [email]);
  await client.end();
  if (!rows.length || !(await require('bcrypt').compare(password, rows[0].password))) {
    return callback(new WrongUsernameOrPasswordError(email));
  }
  const token = await sign({ sub: email }, 'k3y', { expiresIn: '5m' });
  jwt.verify(token, 'k3y', (err, decoded) => {
    if (err) return callback(err);
    callback(null, { user_id: String(rows[0].id), parts: token.split('.').length, sub: decoded.sub });
  });
}
