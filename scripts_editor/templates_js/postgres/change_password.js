/*
 * PostgreSQL template: a table users(id, email, password, nickname, email_verified) where
 * `password` holds a bcrypt hash. Credentials come from the connection's configuration:
 * PG_HOST, PG_PORT (5432), PG_DATABASE, PG_USER, PG_PASSWORD, PG_SSL ("true" for TLS).
 */
async function changePassword(email, newPassword, callback) {
  const bcrypt = require('bcrypt');
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
    const hash = await bcrypt.hash(newPassword, 10);
    result = await query('UPDATE users SET password = $1 WHERE email = $2', [hash, email]);
  } catch (err) {
    return callback(new Error('Could not change the password: ' + err.message));
  }
  // false tells the flow nothing changed (no such user).
  return callback(null, result.rowCount > 0);
}
