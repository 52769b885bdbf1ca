// Two functions in one file: a helper and the script's own function (chosen by name).
// kind: change_password
// args: ["nobody@example.com", "n3w-pa55word"]
// expect: {"status": "ok", "value": false}
// wrong-secret: MYSQL_PASSWORD
// wrong-password: {"status": "error", "code": "ER_ACCESS_DENIED_ERROR"}
function hashPassword(password, cb) {
  bcrypt.hash(password, 10, cb);
}

function changePassword(email, newPassword, callback) {
  hashPassword(newPassword, function (err, hash) {
    if (err) return callback(err);
    const connection = require('mysql2').createConnection({ host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER, password: configuration.MYSQL_PASSWORD,
      database: configuration.MYSQL_DATABASE });
    connection.query('UPDATE users SET password = ? WHERE email = ?', [hash, email], function (err, results) {
      connection.end();
      if (err) return callback(err);
      callback(null, results.affectedRows > 0);
    });
  });
}
