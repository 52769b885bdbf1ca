// axios 1.x: a non-2xx rejects; err.response.status and .data tell why.
// expect: {"status": "ok", "value": {"status": 401, "data": {"error": "bad token"}, "code": "ERR_BAD_REQUEST"}}
// wrong-password: same (the script sends a wrong token on purpose, whatever the password)
async function login(email, password, callback) {
  const axios = require('axios').default;
  try {
    await axios.post(configuration.API_URL + '/users', { email }, { headers: { Authorization: 'Bearer wrong' } });
    callback(new Error('accepted a wrong token'));
  } catch (err) {
    callback(null, { status: err.response.status, data: err.response.data, code: err.code });
  }
}
