/*
 * MySQL / MariaDB template (mysql2): a table users(id, email, password, nickname, email_verified)
 * where `password` holds a bcrypt hash. Credentials come from the connection's configuration:
 * MYSQL_HOST, MYSQL_PORT (3306), MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD.
 */
async function deleteUser(id, callback) {
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

  // login and get_user return '__CONNECTION__|<id>'; the table holds the bare id.
  const prefix = '__CONNECTION__|';
  const rowId = String(id).startsWith(prefix) ? String(id).slice(prefix.length) : String(id);
  try {
    await query('DELETE FROM users WHERE id = ?', [rowId]);
  } catch (err) {
    return callback(new Error('Could not delete the user: ' + err.message));
  }
  return callback(null);
}
