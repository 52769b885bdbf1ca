// A SQL error is handed to the callback as the driver's error (code 42P01: no such table).
// expect: {"status": "error", "name": "error", "code": "42P01"}
// wrong-password: same (the query fails before any password is checked)
function login(email, password, callback) {
  require('pg').connect(configuration.PG_URL, function (err, client, done) {
    if (err) return callback(err);
    client.query('SELECT * FROM no_such_table', function (err) {
      done();
      if (err) { err.name = 'error'; return callback(err); }
      callback(new Error('no error'));
    });
  });
}
