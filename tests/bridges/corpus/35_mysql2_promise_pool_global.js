// A mysql2/promise pool kept in global across runs, [rows] destructuring, native bcrypt promise.
// expect: {"status": "ok", "value": {"user_id": "1", "nickname": "alice"}}
// wrong-password: WrongUsernameOrPasswordError
async function login(email, password, callback) {
  const mysql = require('mysql2/promise');
  global.myPool = global.myPool || mysql.createPool({ host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER,
    password: configuration.MYSQL_PASSWORD, database: configuration.MYSQL_DATABASE, connectionLimit: 2 });
  const [rows] = await global.myPool.query('SELECT id, nickname, password FROM users WHERE email = ?', [email]);
  if (rows.length === 0) throw new WrongUsernameOrPasswordError(email);
  const bcrypt = require('bcrypt');
  if (!(await bcrypt.compare(password, rows[0].password))) throw new WrongUsernameOrPasswordError(email);
  return { user_id: String(rows[0].id), nickname: rows[0].nickname };
}
