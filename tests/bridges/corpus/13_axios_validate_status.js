// axios@0.22 style (Auth0's axios template): validateStatus, x-api-key header, 404 -> wrong password.
// args: ["nobody@example.com", "pa55word"]
// expect: {"status": "error", "name": "WrongUsernameOrPasswordError"}
// wrong-password: WrongUsernameOrPasswordError
async function loginAsync(email, password) {
  const axios = require('axios@0.22.0');
  const response = await axios.get(configuration.API_URL + '/users', {
    params: { email },
    headers: { Authorization: 'Bearer ' + configuration.API_TOKEN, 'x-api-key': 'k' },
    timeout: 10000,
    validateStatus: (status) => status < 500,
  });
  if (response.status === 404) throw new WrongUsernameOrPasswordError(email);
  return { user_id: response.data.id };
}

function login(email, password, callback) {
  loginAsync(email, password).then((user) => callback(null, user), callback);
}
