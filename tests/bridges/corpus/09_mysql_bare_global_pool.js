// The bare `mysql` global and a pool with getConnection/release.
// kind: verify
// args: ["alice@example.com"]
// expect: {"status": "ok", "value": true}
// wrong-secret: MYSQL_PASSWORD
// wrong-password: {"status": "error", "code": "ER_ACCESS_DENIED_ERROR"}
function verify(email, callback) {
  const pool = mysql.createPool({ host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER, password: configuration.MYSQL_PASSWORD,
    database: configuration.MYSQL_DATABASE, connectionLimit: 2 });
  pool.getConnection(function (err, connection) {
    if (err) return callback(err);
    connection.query('UPDATE users SET email_verified = email_verified WHERE email = ?', [email], function (err, result) {
      connection.release();
      pool.end();
      if (err) return callback(err);
      callback(null, result.affectedRows > 0);
    });
  });
}
