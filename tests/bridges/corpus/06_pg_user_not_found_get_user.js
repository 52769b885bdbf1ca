// get_user answering "not found" with callback(null).
// kind: get_user
// args: ["nobody@example.com"]
// expect: {"status": "ok", "value": null}
// wrong-secret: PG_URL
// wrong-password: {"status": "error", "code": "28000"}
function getByEmail(email, callback) {
  const pg = require('pg');
  const client = new pg.Client(configuration.PG_URL);
  client.connect(function (err) {
    if (err) return callback(err);
    client.query('SELECT id FROM users WHERE email = $1', [email], function (err, result) {
      client.end();
      if (err) return callback(err);
      if (result.rowCount === 0) return callback(null);
      callback(null, { user_id: String(result.rows[0].id) });
    });
  });
}
