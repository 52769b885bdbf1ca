// A script that queries and then forgets to call back: the run times out.
// expect: {"status": "timeout"}
// wrong-password: same (it never answers, whatever the password)
function login(email, password, callback) {
  const client = new (require('pg').Client)(configuration.PG_URL);
  client.connect(function () {
    client.query('SELECT 1', function () {
      client.end();
    });
  });
}
