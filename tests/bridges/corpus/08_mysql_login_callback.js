// The MySQL template's login: SELECT ... WHERE email = ?, then bcrypt.compare.
// expect: {"status": "ok", "value": {"user_id": "1", "nickname": "alice", "email": "alice@example.com"}}
// wrong-password: WrongUsernameOrPasswordError
function login(email, password, callback) {
  const mysql = require('mysql');
  const bcrypt = require('bcrypt');
  const connection = mysql.createConnection({ host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER,
    password: configuration.MYSQL_PASSWORD, database: configuration.MYSQL_DATABASE });
  connection.connect();
  const query = 'SELECT id, nickname, email, password FROM users WHERE email = ?';
  connection.query(query, [email], function (err, results) {
    connection.end();
    if (err) return callback(err);
    if (results.length === 0) return callback(new WrongUsernameOrPasswordError(email));
    const user = results[0];
    bcrypt.compare(password, user.password, function (err, isValid) {
      if (err || !isValid) return callback(err || new WrongUsernameOrPasswordError(email));
      callback(null, { user_id: user.id.toString(), nickname: user.nickname, email: user.email });
    });
  });
}
