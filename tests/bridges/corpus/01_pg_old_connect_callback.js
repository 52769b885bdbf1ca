// Auth0's old PostgreSQL template style: pg.connect(conString, cb(err, client, done)) and bcrypt.
// expect: {"status": "ok", "value": {"user_id": "1", "nickname": "alice", "email": "alice@example.com"}}
// wrong-password: WrongUsernameOrPasswordError
function login(email, password, callback) {
  const bcrypt = require('bcrypt');
  const postgres = require('pg');
  const conString = configuration.PG_URL;
  postgres.connect(conString, function (err, client, done) {
    if (err) return callback(err);
    const query = 'SELECT id, nickname, email, password FROM users WHERE email = $1';
    client.query(query, [email], function (err, result) {
      done();
      if (err || result.rows.length === 0) return callback(err || new WrongUsernameOrPasswordError(email));
      const user = result.rows[0];
      bcrypt.compare(password, user.password, function (err, isValid) {
        if (err || !isValid) return callback(err || new WrongUsernameOrPasswordError(email));
        return callback(null, { user_id: user.id.toString(), nickname: user.nickname, email: user.email });
      });
    });
  });
}
