// Node's own https/http client, read by hand as old scripts do (no library).
// expect: {"status": "ok", "value": {"user_id": "1", "nickname": "alice"}}
// wrong-password: WrongUsernameOrPasswordError
function login(email, password, callback) {
  const http = require('http');
  const url = new URL(configuration.API_URL + '/users');
  url.searchParams.set('email', email);
  http.get(url, { headers: { Authorization: 'Bearer ' + configuration.API_TOKEN } }, function (res) {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', function (chunk) { body += chunk; });
    res.on('end', function () {
      if (res.statusCode === 404) return callback(new WrongUsernameOrPasswordError(email));
      if (res.statusCode !== 200) return callback(new Error('HTTP ' + res.statusCode));
      const user = JSON.parse(body);
      if (!require('bcrypt').compareSync(password, user.password_hash)) return callback(new WrongUsernameOrPasswordError(email));
      callback(null, { user_id: user.id, nickname: user.nickname });
    });
  }).on('error', callback);
}
