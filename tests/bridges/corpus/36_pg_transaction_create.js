// create in a transaction with BEGIN/COMMIT and a native bcrypt hash; the row is removed again.
// kind: create
// args: [{"email": "carol@example.com", "password": "s3cret!"}]
// expect: {"status": "ok", "value": {"created": true, "matches": true}}
// wrong-secret: PG_URL
// wrong-password: {"status": "error", "code": "28000"}
async function create(user, callback) {
  const { Client } = require('pg');
  const bcrypt = require('bcrypt');
  const client = new Client(configuration.PG_URL);
  await client.connect();
  try {
    await client.query('BEGIN');
    const hash = await bcrypt.hash(user.password, 4);
    const { rows } = await client.query('INSERT INTO users (email, password) VALUES ($1, $2) RETURNING password', [user.email, hash]);
    await client.query('ROLLBACK');
    callback(null, { created: rows.length === 1, matches: bcrypt.compareSync(user.password, rows[0].password) });
  } finally {
    await client.end();
  }
}
