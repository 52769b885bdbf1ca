/*
 * PostgreSQL template: a table users(id, email, password, nickname, email_verified) where
 * `password` holds a bcrypt hash. Credentials come from the connection's configuration:
 * PG_HOST, PG_PORT (5432), PG_DATABASE, PG_USER, PG_PASSWORD, PG_SSL ("true" for TLS).
 */
async function getUser(email, callback) {
  const { Client } = require('pg');

  // One short-lived client per run: nothing is shared between runs, and every path closes it.
  async function query(text, values) {
    const client = new Client({
      host: configuration.PG_HOST,
      port: Number(configuration.PG_PORT || 5432),
      database: configuration.PG_DATABASE,
      user: configuration.PG_USER,
      password: configuration.PG_PASSWORD,
      ssl: configuration.PG_SSL === 'true',
      connectionTimeoutMillis: 5000,
      statement_timeout: 5000,
    });
    await client.connect();
    try {
      return await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  let row;
  try {
    const result = await query(
      'SELECT id, email, nickname, email_verified FROM users WHERE email = $1', [email]);
    row = result.rows[0];
  } catch (err) {
    return callback(new Error('Could not read the user database: ' + err.message));
  }
  if (!row) return callback(null);

  // Keep this profile identical to login's, so a user looks the same however they migrate.
  return callback(null, {
    user_id: '__CONNECTION__|' + row.id,
    email: row.email,
    nickname: row.nickname,
    email_verified: row.email_verified === true,
  });
}
