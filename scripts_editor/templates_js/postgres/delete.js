/*
 * PostgreSQL template: a table users(id, email, password, nickname, email_verified) where
 * `password` holds a bcrypt hash. Credentials come from the connection's configuration:
 * PG_HOST, PG_PORT (5432), PG_DATABASE, PG_USER, PG_PASSWORD, PG_SSL ("true" for TLS).
 */
async function deleteUser(id, callback) {
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

  // login and get_user return '__CONNECTION__|<id>'; the table holds the bare id.
  const prefix = '__CONNECTION__|';
  const rowId = String(id).startsWith(prefix) ? String(id).slice(prefix.length) : String(id);
  try {
    await query('DELETE FROM users WHERE id = $1', [rowId]);
  } catch (err) {
    return callback(new Error('Could not delete the user: ' + err.message));
  }
  return callback(null);
}
