// node-fetch 2 in a promise chain (no async/await), with a timeout through AbortController.
// expect: {"status": "ok", "value": {"user_id": "1", "nickname": "alice"}}
// wrong-password: WrongUsernameOrPasswordError
function login(email, password, callback) {
  const fetch = require('node-fetch');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 4000);
  fetch(configuration.API_URL + '/users?email=' + encodeURIComponent(email), { headers: { Authorization: 'Bearer ' + configuration.API_TOKEN }, signal: controller.signal })
    .then((res) => (res.status === 404 ? null : res.json()))
    .then((user) => {
      clearTimeout(timer);
      if (!user || !require('bcrypt').compareSync(password, user.password_hash)) throw new WrongUsernameOrPasswordError(email);
      callback(null, { user_id: user.id, nickname: user.nickname });
    })
    .catch(callback);
}
