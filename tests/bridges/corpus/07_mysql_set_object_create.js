// The MySQL template's create: INSERT INTO users SET ? with an object and a bcrypt(10) hash.
// kind: create
// args: [{"email": "corpus-mysql@example.com", "password": "s3cret-pa55"}]
// expect: {"status": "ok", "value": null}
// wrong-secret: MYSQL_PASSWORD
// wrong-password: {"status": "error", "code": "ER_ACCESS_DENIED_ERROR"}
function create(user, callback) {
  const mysql = require('mysql');
  const connection = mysql.createConnection({ host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER,
    password: configuration.MYSQL_PASSWORD, database: configuration.MYSQL_DATABASE });
  connection.connect();
  const query = 'INSERT INTO users SET ?';
  bcrypt.hash(user.password, 10, function (err, hash) {
    if (err) return callback(err);
    const insert = { password: hash, email: user.email };
    connection.query(query, insert, function (err, results) {
      if (err) return callback(err);
      connection.query('DELETE FROM users WHERE id = ?', [results.insertId], function (err) {
        connection.end();
        callback(err || (results.length === 0 ? new Error('not inserted') : null));
      });
    });
  });
}
