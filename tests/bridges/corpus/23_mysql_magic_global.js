// The oldest MySQL template: the magic `mysql(config)` global returns a connection.
// kind: get_user
// args: ["alice@example.com"]
// expect: {"status": "ok", "value": {"user_id": "1", "nickname": "alice"}}
// wrong-secret: MYSQL_PASSWORD
// wrong-password: {"status": "error", "code": "ER_ACCESS_DENIED_ERROR"}
function getByEmail(email, callback) {
  var connection = mysql({ host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER, password: configuration.MYSQL_PASSWORD, database: configuration.MYSQL_DATABASE });
  connection.connect();
  connection.query('SELECT id, nickname FROM users WHERE email = ?', [email], function (err, users) {
    connection.end();
    if (err) return callback(err);
    if (users.length === 0) return callback(null);
    callback(null, { user_id: users[0].id.toString(), nickname: users[0].nickname });
  });
}
