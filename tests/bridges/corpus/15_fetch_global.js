// Node's global fetch with a JSON body.
// expect: {"status": "ok", "value": {"user_id": "1", "nickname": "alice"}}
// wrong-password: WrongUsernameOrPasswordError
async function login(email, password, callback) {
  const res = await fetch(configuration.API_URL + '/users?email=' + encodeURIComponent(email), {
    headers: { Authorization: `Bearer ${configuration.API_TOKEN}` },
  });
  if (!res.ok) return callback(new WrongUsernameOrPasswordError(email));
  const user = await res.json();
  const ok = await require('bcryptjs').compare(password, user.password_hash);
  callback(ok ? null : new WrongUsernameOrPasswordError(email), ok ? { user_id: user.id, nickname: user.nickname } : undefined);
}
