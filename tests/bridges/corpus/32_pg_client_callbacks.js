// pg's Client in the callback style: connect(cb), query(text, values, cb), end().
// expect: {"status": "ok", "value": {"user_id": "1", "verified": false}}
// wrong-password: WrongUsernameOrPasswordError
function login(email, password, callback) {
  const pg = require('pg');
  const client = new pg.Client({ host: configuration.PG_HOST, port: Number(configuration.PG_PORT), user: configuration.PG_USER, database: configuration.PG_DATABASE });
  client.connect(function (err) {
    if (err) return callback(err);
    client.query('SELECT id, password, email_verified FROM users WHERE email = $1', [email], function (err, result) {
      client.end();
      if (err) return callback(err);
      const user = result.rows[0];
      if (!user || !bcrypt.compareSync(password, user.password)) return callback(new WrongUsernameOrPasswordError(email));
      callback(null, { user_id: String(user.id), verified: user.email_verified });
    });
  });
}
