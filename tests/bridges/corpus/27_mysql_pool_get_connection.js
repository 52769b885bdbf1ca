// The mysql package's pool: getConnection, release, and bcrypt's promise API.
// expect: {"status": "ok", "value": {"user_id": "1", "email": "alice@example.com"}}
// wrong-password: WrongUsernameOrPasswordError
function login(email, password, callback) {
  const mysql = require('mysql');
  const pool = mysql.createPool({ connectionLimit: 2, host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER,
    password: configuration.MYSQL_PASSWORD, database: configuration.MYSQL_DATABASE });
  pool.getConnection(function (err, connection) {
    if (err) return callback(err);
    connection.query('SELECT id, email, password FROM users WHERE email = ?', [email], function (err, rows) {
      connection.release();
      pool.end(function () {});
      if (err) return callback(err);
      if (!rows[0]) return callback(new WrongUsernameOrPasswordError(email));
      require('bcrypt').compare(password, rows[0].password).then(function (same) {
        if (!same) return callback(new WrongUsernameOrPasswordError(email));
        callback(null, { user_id: String(rows[0].id), email: rows[0].email });
      }, callback);
    });
  });
}
