// request with qs, auth bearer and json: true, bcryptjs in its callback form.
// expect: {"status": "ok", "value": {"user_id": "1"}}
// wrong-password: WrongUsernameOrPasswordError
function login(email, password, callback) {
  request({ url: configuration.API_URL + '/users', qs: { email: email }, auth: { bearer: configuration.API_TOKEN }, json: true }, function (err, response, body) {
    if (err) return callback(err);
    if (response.statusCode === 404) return callback(new WrongUsernameOrPasswordError(email));
    require('bcryptjs').compare(password, body.password_hash, function (err, ok) {
      if (err || !ok) return callback(err || new WrongUsernameOrPasswordError(email));
      callback(null, { user_id: body.id });
    });
  });
}
