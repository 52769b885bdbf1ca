// process.env is empty in the sandbox: the script falls back to configuration, as ported scripts do.
// kind: get_user
// args: ["alice@example.com"]
// expect: {"status": "ok", "value": {"user_id": "1", "from": "configuration", "node": true}}
// wrong-secret: PG_URL
// wrong-password: {"status": "error", "code": "28000"}
async function getUser(email, callback) {
  const url = process.env.DATABASE_URL || configuration.PG_URL;
  const { Pool } = require('pg');
  const pool = new Pool({ connectionString: url });
  const { rows } = await pool.query('SELECT id FROM users WHERE email = $1', [email]);
  await pool.end();
  callback(null, rows[0] ? { user_id: String(rows[0].id), from: process.env.DATABASE_URL ? 'env' : 'configuration', node: process.version.startsWith('v') } : null);
}
