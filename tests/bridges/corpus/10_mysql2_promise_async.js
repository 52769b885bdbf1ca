// mysql2/promise with destructured [rows], async function answering through callback.
// expect: {"status": "ok", "value": {"user_id": "mysql|1", "verified": false}}
// wrong-password: WrongUsernameOrPasswordError
async function login(email, password, callback) {
  const mysql = require('mysql2/promise');
  const connection = await mysql.createConnection({ host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER,
    database: configuration.MYSQL_DATABASE });
  const [rows] = await connection.execute('SELECT id, password, email_verified FROM users WHERE email = ?', [email]);
  await connection.end();
  if (rows.length === 0 || !(await bcrypt.compare(password, rows[0].password))) {
    return callback(new WrongUsernameOrPasswordError(email));
  }
  callback(null, { user_id: 'mysql|' + rows[0].id, verified: rows[0].email_verified === 1 });
}
