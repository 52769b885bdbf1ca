// A pinned require('pg@8.11.3') (served by the catalog's pg 8) with a pool in global and promise chains.
// expect: {"status": "ok", "value": {"user_id": "1", "email": "alice@example.com"}}
// wrong-password: WrongUsernameOrPasswordError
function login(email, password, callback) {
  const { Pool } = require('pg@8.11.3');
  global.pinnedPool = global.pinnedPool || new Pool({ connectionString: configuration.PG_URL, max: 2 });
  global.pinnedPool
    .query('SELECT id, email, password FROM users WHERE email = $1', [email])
    .then((result) => {
      const user = result.rows[0];
      if (!user) throw new WrongUsernameOrPasswordError(email);
      return require('bcryptjs').compare(password, user.password).then((ok) => {
        if (!ok) throw new WrongUsernameOrPasswordError(email);
        return { user_id: String(user.id), email: user.email };
      });
    })
    .then((profile) => callback(null, profile))
    .catch((err) => callback(err));
}
