// Early runtimes: `postgres` and `bcrypt` as bare globals, no require.
// expect: {"status": "ok", "value": {"user_id": "1", "email": "alice@example.com"}}
// wrong-password: WrongUsernameOrPasswordError
function login(email, password, callback) {
  postgres(configuration.PG_URL, function (err, client, done) {
    if (err) return callback(err);
    client.query('SELECT id, email, password FROM users WHERE email = $1', [email], function (err, result) {
      done();
      if (err) return callback(err);
      if (!bcrypt.compareSync(password, result.rows[0].password)) return callback(new WrongUsernameOrPasswordError(email));
      callback(null, { user_id: String(result.rows[0].id), email: result.rows[0].email });
    });
  });
}
