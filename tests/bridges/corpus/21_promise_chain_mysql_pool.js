// Promise chains (no async) with a mysql2 promise pool.
// kind: get_user
// args: ["alice@example.com"]
// expect: {"status": "ok", "value": {"user_id": "1", "email": "alice@example.com"}}
function getUser(email, callback) {
  const pool = require('mysql2/promise').createPool({ host: configuration.MYSQL_HOST, user: configuration.MYSQL_USER,
    database: configuration.MYSQL_DATABASE });
  pool.query('SELECT id, email FROM users WHERE email = ?', [email])
    .then(([rows]) => {
      pool.end();
      callback(null, rows.length ? { user_id: String(rows[0].id), email: rows[0].email } : null);
    })
    .catch(callback);
}
