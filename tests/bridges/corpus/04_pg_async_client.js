// async/await with a Client per call, returning the profile from the promise.
// expect: {"status": "ok", "value": {"user_id": "pg|1", "email_verified": false}}
// wrong-password: WrongUsernameOrPasswordError
async function login(email, password) {
  const { Client } = require('pg');
  const client = new Client({ host: configuration.PG_HOST, port: configuration.PG_PORT, user: configuration.PG_USER,
    database: configuration.PG_DATABASE });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT id, password, email_verified FROM users WHERE email = $1', [email]);
    if (!rows.length || !(await bcrypt.compare(password, rows[0].password))) throw new WrongUsernameOrPasswordError(email);
    return { user_id: 'pg|' + rows[0].id, email_verified: rows[0].email_verified };
  } finally {
    await client.end();
  }
}
