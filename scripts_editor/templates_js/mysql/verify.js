/*
 * MySQL / MariaDB template (mysql2): a table users(id, email, password, nickname, email_verified)
 * where `password` holds a bcrypt hash. Credentials come from the connection's configuration:
 * MYSQL_HOST, MYSQL_PORT (3306), MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD.
 */
async function verify(email, callback) {
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

  let result;
  try {
    result = await query('UPDATE users SET email_verified = 1 WHERE email = ?', [email]);
  } catch (err) {
    return callback(new Error('Could not verify the email address: ' + err.message));
  }
  if (result.affectedRows === 0) return callback(new Error('There is no user with this email address.'));
  return callback(null, true);
}
