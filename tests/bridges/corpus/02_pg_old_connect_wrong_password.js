// The same old template with a wrong password.
// args: ["alice@example.com", "not-it"]
// expect: {"status": "error", "name": "WrongUsernameOrPasswordError"}
// wrong-password: WrongUsernameOrPasswordError
function login(email, password, callback) {
  const postgres = require('pg');
  postgres.connect(configuration.PG_URL, function (err, client, done) {
    if (err) return callback(err);
    client.query('SELECT id, password FROM users WHERE email = $1', [email], function (err, result) {
      done();
      if (err || result.rows.length === 0) return callback(err || new WrongUsernameOrPasswordError(email));
      bcrypt.compare(password, result.rows[0].password, function (err, isValid) {
        if (err || !isValid) return callback(err || new WrongUsernameOrPasswordError(email));
        callback(null, { user_id: String(result.rows[0].id) });
      });
    });
  });
}
