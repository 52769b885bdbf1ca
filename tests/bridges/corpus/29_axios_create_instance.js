// axios.create with a baseURL and default headers, async/await, err.response.status for 404.
// expect: {"status": "ok", "value": {"user_id": "1", "email": "alice@example.com"}}
// wrong-password: WrongUsernameOrPasswordError
async function login(email, password, callback) {
  const api = require('axios').create({ baseURL: configuration.API_URL, headers: { Authorization: 'Bearer ' + configuration.API_TOKEN }, timeout: 4000 });
  let user;
  try {
    user = (await api.get('/users', { params: { email } })).data;
  } catch (err) {
    if (err.response && err.response.status === 404) return callback(new WrongUsernameOrPasswordError(email));
    return callback(err);
  }
  if (!(await require('bcrypt').compare(password, user.password_hash))) return callback(new WrongUsernameOrPasswordError(email));
  return callback(null, { user_id: user.id, email: user.email });
}
