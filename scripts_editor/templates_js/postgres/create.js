/*
 * PostgreSQL template: a table users(id, email, password, nickname, email_verified) where
 * `password` holds a bcrypt hash. Credentials come from the connection's configuration:
 * PG_HOST, PG_PORT (5432), PG_DATABASE, PG_USER, PG_PASSWORD, PG_SSL ("true" for TLS).
 */
async function create(user, callback) {
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

  const exists = () => new ValidationError('user_exists', 'A user with this email address already exists.');
  let found;
  try {
    found = await query('SELECT 1 FROM users WHERE email = $1', [user.email]);
  } catch (err) {
    return callback(new Error('Could not read the user database: ' + err.message));
  }
  if (found.rowCount > 0) return callback(exists());

  try {
    const hash = await bcrypt.hash(user.password, 10);
    await query(
      'INSERT INTO users (email, password, nickname, email_verified) VALUES ($1, $2, $3, false)',
      [user.email, hash, user.username || user.email.split('@')[0]]);
  } catch (err) {
    // 23505 is a unique violation: another sign-up with this email won the race.
    if (err.code === '23505') return callback(exists());
    return callback(new Error('Could not create the user: ' + err.message));
  }
  return callback(null);
}
