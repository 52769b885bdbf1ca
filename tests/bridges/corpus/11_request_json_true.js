// `request` with json: true and basic auth, a 404 meaning "no such user" (Basic Auth template).
// kind: get_user
// args: ["nobody@example.com"]
// expect: {"status": "ok", "value": null}
// wrong-secret: API_TOKEN
// wrong-password: {"status": "error", "name": "Error"}
function getByEmail(email, callback) {
  const request = require('request');
  request.get({
    url: configuration.API_URL + '/users',
    qs: { email: email },
    headers: { Authorization: 'Bearer ' + configuration.API_TOKEN },
    json: true,
  }, function (err, response, body) {
    if (err) return callback(err);
    if (response.statusCode === 404) return callback(null);
    if (response.statusCode !== 200) return callback(new Error(body.error));
    callback(null, { user_id: body.id, email: body.email });
  });
}
