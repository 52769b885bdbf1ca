// The bare `request` global, POSTing a JSON body and reading the parsed reply.
// expect: {"status": "ok", "value": {"user_id": "alice@example.com", "sent": {"email": "alice@example.com"}}}
// wrong-password: same (the script checks no password: the echo service takes any)
function login(email, password, callback) {
  request({ method: 'POST', url: configuration.API_URL + '/echo', json: { email: email } }, function (err, res, body) {
    if (err) return callback(err);
    callback(null, { user_id: email, sent: JSON.parse(body.body) });
  });
}
