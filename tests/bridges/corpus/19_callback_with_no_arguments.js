// delete answering with callback() and no arguments: success.
// kind: delete
// args: ["legacy-db|424242"]
// expect: {"status": "ok", "value": null}
// wrong-secret: PG_URL
// wrong-password: {"status": "error", "code": "28000"}
function remove(id, callback) {
  const pg = require('pg');
  pg.connect(configuration.PG_URL, function (err, client, done) {
    if (err) return callback(err);
    client.query('DELETE FROM users WHERE id = $1', [id.split('|')[1]], function (err) {
      done();
      if (err) return callback(err);
      callback();
    });
  });
}
