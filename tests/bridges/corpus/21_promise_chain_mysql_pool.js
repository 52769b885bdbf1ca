// Promise chains (no async) with a mysql2 promise pool.
// kind: get_user
// args: ["alice@example.com"]
// expect: {"status": "ok", "value": {"user_id": "1", "email": "alice@example.com"}}
// wrong-secret: MYSQL_PASSWORD
// wrong-password: {"status": "error", "code": "ER_ACCESS_DENIED_ERROR"}
function getUser(email, callback) {
  const pool = require('mysql2/promise').createPool({ host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER, password: configuration.MYSQL_PASSWORD,
    database: configuration.MYSQL_DATABASE });
  pool.query('SELECT id, email FROM users WHERE email = ?', [email])
    .then(([rows]) => {
      pool.end();
      callback(null, rows.length ? { user_id: String(rows[0].id), email: rows[0].email } : null);
    })
    .catch(callback);
}
