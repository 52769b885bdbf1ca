/*
 * MySQL / MariaDB template (mysql2): a table users(id, email, password, nickname, email_verified)
 * where `password` holds a bcrypt hash. Credentials come from the connection's configuration:
 * MYSQL_HOST, MYSQL_PORT (3306), MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD.
 */
async function create(user, callback) {
  const bcrypt = require('bcrypt');
  const mysql = require('mysql2/promise');

  // One short-lived connection per run: nothing is shared between runs, and every path closes it.
  // Returns the rows of a SELECT, or the result header (affectedRows) of a write.
  async function query(sql, values) {
    const connection = await mysql.createConnection({
      host: configuration.MYSQL_HOST,
      port: Number(configuration.MYSQL_PORT || 3306),
      database: configuration.MYSQL_DATABASE,
      user: configuration.MYSQL_USER,
      password: configuration.MYSQL_PASSWORD,
      connectTimeout: 5000,
    });
    try {
      const [result] = await connection.execute(sql, values);
      return result;
    } finally {
      await connection.end();
    }
  }

  const exists = () => new ValidationError('user_exists', 'A user with this email address already exists.');
  let found;
  try {
    found = await query('SELECT 1 FROM users WHERE email = ?', [user.email]);
  } catch (err) {
    return callback(new Error('Could not read the user database: ' + err.message));
  }
  if (found.length > 0) return callback(exists());

  try {
    const hash = await bcrypt.hash(user.password, 10);
    await query(
      'INSERT INTO users (email, password, nickname, email_verified) VALUES (?, ?, ?, 0)',
      [user.email, hash, user.username || user.email.split('@')[0]]);
  } catch (err) {
    // ER_DUP_ENTRY (a unique index on email): another sign-up with this email won the race.
    if (err.code === 'ER_DUP_ENTRY') return callback(exists());
    return callback(new Error('Could not create the user: ' + err.message));
  }
  return callback(null);
}
