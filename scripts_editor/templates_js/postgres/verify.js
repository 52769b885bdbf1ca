/*
 * PostgreSQL template: a table users(id, email, password, nickname, email_verified) where
 * `password` holds a bcrypt hash. Credentials come from the connection's configuration:
 * PG_HOST, PG_PORT (5432), PG_DATABASE, PG_USER, PG_PASSWORD, PG_SSL ("true" for TLS).
 */
async function verify(email, callback) {
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

  let result;
  try {
    result = await query('UPDATE users SET email_verified = true WHERE email = $1', [email]);
  } catch (err) {
    return callback(new Error('Could not verify the email address: ' + err.message));
  }
  if (result.rowCount === 0) return callback(new Error('There is no user with this email address.'));
  return callback(null, true);
}
