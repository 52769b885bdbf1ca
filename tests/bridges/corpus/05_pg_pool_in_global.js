// A Pool kept in `global` across runs (Auth0 documents global as the cache), promise chain style.
// kind: get_user
// args: ["alice@example.com"]
// expect: {"status": "ok", "value": {"user_id": "1", "nickname": "alice"}}
// wrong-secret: PG_URL
// wrong-password: {"status": "error", "code": "28000"}
function getByEmail(email, callback) {
  const { Pool } = require('pg');
  global.pool = global.pool || new Pool({ connectionString: configuration.PG_URL, max: 2 });
  global.pool
    .query('SELECT id, nickname FROM users WHERE email = $1', [email])
    .then((res) => callback(null, res.rows[0] ? { user_id: String(res.rows[0].id), nickname: res.rows[0].nickname } : null))
    .catch(callback);
}
