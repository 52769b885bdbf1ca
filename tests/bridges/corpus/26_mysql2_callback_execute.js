// mysql2's callback API with execute() (a prepared statement) and the legacy bcrypt global.
// expect: {"status": "ok", "value": {"user_id": "1", "nickname": "alice"}}
// wrong-password: WrongUsernameOrPasswordError
function login(email, password, callback) {
  const mysql = require('mysql2');
  const connection = mysql.createConnection({ host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER,
    password: configuration.MYSQL_PASSWORD, database: configuration.MYSQL_DATABASE });
  connection.execute('SELECT id, nickname, password FROM users WHERE email = ?', [email], function (err, rows) {
    connection.end();
    if (err) return callback(err);
    if (!rows.length) return callback(new WrongUsernameOrPasswordError(email));
    bcrypt.compare(password, rows[0].password, function (err, same) {
      if (err || !same) return callback(err || new WrongUsernameOrPasswordError(email));
      callback(null, { user_id: String(rows[0].id), nickname: rows[0].nickname });
    });
  });
}
